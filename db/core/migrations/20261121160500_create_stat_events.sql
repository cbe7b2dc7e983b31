-- migrate:up

-- One row per print (impression), click, apply (application) or account (sign-up) tracked for a mission spread
-- from one partner (from_publisher_id, the diffuser) to another (to_publisher_id, the announcer).
-- ip, user_fingerprint, user_agent and referer are personal data: the pipeline pseudonymises or drops them.
CREATE TABLE stat_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  type stat_event_type NOT NULL,
  source stat_event_source NOT NULL,
  -- What the tracker received as the source (API key name, widget or campaign public id).
  source_id text,
  from_publisher_id bigint NOT NULL REFERENCES partners (id),
  to_publisher_id bigint NOT NULL REFERENCES partners (id),
  -- Nullable as in reality: events outlive their mission, and the client id keeps them attributable.
  mission_id bigint REFERENCES missions (id) ON DELETE SET NULL,
  mission_client_id text,
  widget_id bigint REFERENCES widgets (id) ON DELETE SET NULL,
  campaign_id bigint REFERENCES campaigns (id) ON DELETE SET NULL,
  -- For an apply or an account: the click it follows from.
  click_id uuid,
  host text,
  referer text,
  user_agent text,
  ip inet,
  user_fingerprint text,
  -- Set after the fact by the bot filter, which is why stat events do get updated.
  is_bot boolean NOT NULL DEFAULT false,
  custom_attributes jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX stat_events_created_at_idx ON stat_events (created_at);
CREATE INDEX stat_events_mission_id_idx ON stat_events (mission_id);

CREATE TRIGGER stat_events_set_updated_at BEFORE UPDATE ON stat_events
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- migrate:down

DROP TABLE stat_events;
