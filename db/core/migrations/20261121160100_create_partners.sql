-- migrate:up

-- A partner publishes missions (announcer), spreads other partners' missions (diffuser), or both.
CREATE TABLE partners (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  name text NOT NULL,
  email text,
  website_url text,
  is_announcer boolean NOT NULL DEFAULT false,
  is_diffuser boolean NOT NULL DEFAULT false,
  -- Unscaled on purpose: the share paid to diffusers is negotiated with arbitrary precision, and it makes the
  -- pipeline carry a numeric without a declared scale.
  commission_rate numeric,
  -- A small PNG shown in the partner directory; kept tiny so it stays inline.
  logo_thumbnail bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER partners_set_updated_at BEFORE UPDATE ON partners
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down

DROP TABLE partners;
