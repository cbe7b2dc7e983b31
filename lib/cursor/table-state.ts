/**
 * The channel on which a change to cdc.table_state is announced (payload: the topic), so running sinks pause
 * or resume a table at once instead of at their next poll (SINK_PAUSED_POLL_MS), which stays the safety net.
 */
export const tableStateChannel = 'cdc_table_state';
