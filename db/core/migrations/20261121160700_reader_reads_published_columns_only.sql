-- migrate:up

-- Least privilege for personal data: on the tables whose connectors exclude columns, the replication role may
-- read only the published columns (the initial snapshot selects exactly those). partners.email and
-- stat_events.ip / user_agent / referer never leave the core database, not even to the pipeline's role.
-- Keep these lists in step with connectors/partners.ts and connectors/stat_events.ts (cdc preflight checks).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_reader') THEN
    REVOKE SELECT ON partners, stat_events FROM cdc_reader;
    GRANT SELECT (id, public_id, name, website_url, is_announcer, is_diffuser, commission_rate, logo_thumbnail,
                  created_at, updated_at)
      ON partners TO cdc_reader;
    GRANT SELECT (id, type, source, source_id, from_publisher_id, to_publisher_id, mission_id, mission_client_id,
                  widget_id, campaign_id, click_id, host, user_fingerprint, is_bot, custom_attributes, created_at,
                  updated_at)
      ON stat_events TO cdc_reader;
  END IF;
END;
$$;

-- migrate:down

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_reader') THEN
    REVOKE SELECT ON partners, stat_events FROM cdc_reader;
    GRANT SELECT ON partners, stat_events TO cdc_reader;
  END IF;
END;
$$;
