-- migrate:up

-- A tracked link a diffuser runs (newsletter, banner...) to promote an announcer's missions.
CREATE TABLE campaigns (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  name text NOT NULL,
  from_publisher_id bigint NOT NULL REFERENCES partners (id),
  to_publisher_id bigint NOT NULL REFERENCES partners (id),
  kind text NOT NULL DEFAULT 'email' CHECK (kind IN ('email', 'banner', 'search', 'ad', 'other')),
  url text NOT NULL,
  budget numeric(12, 2) NOT NULL DEFAULT 0 CHECK (budget >= 0),
  spent numeric(12, 2) NOT NULL DEFAULT 0 CHECK (spent >= 0),
  starts_on date,
  ends_on date,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER campaigns_set_updated_at BEFORE UPDATE ON campaigns
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down

DROP TABLE campaigns;
