/**
 * A faster branch choice for the unions of row fields: `[null?, value, marker...]`, where each marker is one
 * of markers.ts (unchanged TOAST, special numeric, special temporal) or the `cdc.PgText` escape (pg-text.ts),
 * or `[null, logical value]`.
 *
 * avsc cannot tell logical-type branches apart by the JS type of a value, so for every such union it asks
 * each logical branch whether the value is its own (`_check`), which for a decimal means converting the value
 * once to check it and again to write it. On every column of every change that was a third of all Avro
 * encoding time. Here the choice is: null → the null branch; a marker's own value (or a PgTextValue) → that
 * branch; anything else → the one value branch, which then writes (and validates) it as usual. Decoding,
 * resolution and `isValid` are avsc's own (the value branch's `_check` still runs for `isValid`).
 *
 * Only unions of exactly that shape take this path; every other union is built as avsc would build it.
 */
import avro from 'avsc';
import { MarkerType } from './markers.ts';
import { PgTextType } from './pg-text.ts';

/** A branch whose JS values are its own: a marker's values, or a PgTextValue. */
interface Marking {
  isMarkerValue(value: unknown): boolean;
}

const isMarking = (type: avro.Type): type is avro.Type & Marking =>
  type instanceof MarkerType || type instanceof PgTextType;

interface Layout {
  nullIndex: number;
  valueIndex: number;
  markers: { index: number; type: Marking }[];
}

function layoutOf(types: readonly avro.Type[]): Layout | undefined {
  let nullIndex = -1;
  let valueIndex = -1;
  const markers: Layout['markers'] = [];
  for (const [index, type] of types.entries()) {
    if (isMarking(type)) markers.push({ index, type });
    else if (type.typeName === 'null') nullIndex = index;
    else if (valueIndex === -1) valueIndex = index;
    else return undefined; // two value branches: avsc's rules decide
  }
  if (valueIndex === -1) return undefined;
  // Without a marker or a logical value branch avsc already picks the branch by JS type, and checks it.
  const valueType = types[valueIndex] as avro.Type;
  const logical = valueType instanceof avro.types.LogicalType;
  return markers.length > 0 || logical ? { nullIndex, valueIndex, markers } : undefined;
}

const { UnwrappedUnionType, WrappedUnionType } = avro.types as unknown as {
  UnwrappedUnionType: new (schema: unknown, options: unknown) => avro.Type;
  WrappedUnionType: new (schema: unknown, options: unknown) => avro.Type;
};

function markedUnion(types: avro.Type[], options: unknown, layout: Layout): avro.Type {
  const { nullIndex, valueIndex, markers } = layout;
  // One class per union: avsc freezes union instances, and a closure keeps the layout off the hot path's lookups.
  class MarkedUnionType extends UnwrappedUnionType {
    _getIndex(value: unknown): number | undefined {
      if (value === null) return nullIndex === -1 ? undefined : nullIndex;
      for (const marker of markers) if (marker.type.isMarkerValue(value)) return marker.index;
      return valueIndex;
    }
  }
  return new MarkedUnionType(types, options);
}

/**
 * avsc `typeHook` for unions. The branches are built here, once (building them twice would register their
 * named types twice); then the union is built from them exactly as `wrapUnions` asks, or as a marked union.
 */
export function unionHook(schema: unknown, options: avro.ForSchemaOptions): avro.Type | undefined {
  if (!Array.isArray(schema)) return undefined;
  const types = schema.map((branch) => avro.Type.forSchema(branch as avro.Schema, options));
  const wrap = options.wrapUnions;
  if (wrap === true || wrap === 'always') return new WrappedUnionType(types, options);
  const layout = layoutOf(types);
  if (layout) return markedUnion(types, options, layout);
  if (wrap === false || wrap === 'never') return new UnwrappedUnionType(types, options);
  // 'auto': unwrapped unless ambiguous, which avsc's unwrapped constructor reports by throwing.
  try {
    return new UnwrappedUnionType(types, options);
  } catch {
    return new WrappedUnionType(types, options);
  }
}
