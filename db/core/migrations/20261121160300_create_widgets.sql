-- migrate:up

-- An embeddable search widget a diffuser puts on its site.
CREATE TABLE widgets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  diffuser_id bigint NOT NULL REFERENCES partners (id),
  name text NOT NULL,
  color text NOT NULL DEFAULT '#000091',
  style text NOT NULL DEFAULT 'carousel' CHECK (style IN ('carousel', 'page')),
  mission_type text NOT NULL DEFAULT 'benevolat' CHECK (mission_type IN ('benevolat', 'volontariat')),
  -- {label, lat, lon}: the centre of the area the widget searches.
  location jsonb,
  max_distance_km double precision,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER widgets_set_updated_at BEFORE UPDATE ON widgets
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Missions pinned in a widget. Its composite key makes the pipeline carry a multi-column Kafka key.
CREATE TABLE widget_missions (
  widget_id bigint NOT NULL REFERENCES widgets (id) ON DELETE CASCADE,
  mission_id bigint NOT NULL REFERENCES missions (id) ON DELETE CASCADE,
  position integer NOT NULL DEFAULT 0,
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (widget_id, mission_id)
);

CREATE INDEX widget_missions_mission_id_idx ON widget_missions (mission_id);

-- migrate:down

DROP TABLE widget_missions;
DROP TABLE widgets;
