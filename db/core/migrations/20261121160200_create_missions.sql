-- migrate:up

CREATE TABLE missions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  publisher_id bigint NOT NULL REFERENCES partners (id),
  -- The publisher's own identifier, what its API sends back to us.
  client_id text NOT NULL,
  title text NOT NULL,
  -- Often several kilobytes of HTML; past ~8 kB it is stored out of line (TOAST), which is what makes the
  -- pipeline handle "unchanged TOAST" values on updates that do not touch it.
  description text NOT NULL DEFAULT '',
  status mission_status NOT NULL DEFAULT 'active',
  domain text NOT NULL,
  domains text[] NOT NULL DEFAULT '{}',
  tags text[] NOT NULL DEFAULT '{}',
  -- {street, postalCode, city, departmentCode, location: {lat, lon}}
  address jsonb,
  metadata jsonb NOT NULL DEFAULT '{}',
  places integer NOT NULL DEFAULT 1 CHECK (places >= 0),
  min_age smallint,
  -- Monthly allowance of civic-service missions; NULL for unpaid volunteering.
  compensation numeric(12, 2),
  is_remote boolean NOT NULL DEFAULT false,
  start_date date,
  end_date date,
  daily_start_time time,
  weekly_commitment interval,
  published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (publisher_id, client_id),
  CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);

CREATE INDEX missions_status_idx ON missions (status);

CREATE TRIGGER missions_set_updated_at BEFORE UPDATE ON missions
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down

DROP TABLE missions;
