// The floor workflows' activity: no work at all, so what it costs is the SDK's own handling of an
// activity task.
export const floorActivities = {
  async nothing(): Promise<void> {},
};
