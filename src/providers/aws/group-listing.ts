/** The group as the Provider port reports it: one InstanceInfo per instance the group lists. */
import type { InstanceInfo } from '../provider.js';
import { mapLifecycleState, type GroupSnapshot } from './group-snapshot.js';
import type { InstanceDetailsCache } from './instance-details.js';
import type { NoticeBook } from './notice-book.js';

export function toInstanceInfos(
  group: GroupSnapshot,
  details: InstanceDetailsCache,
  notices: NoticeBook,
): InstanceInfo[] {
  return group.instances.map((i) => {
    const d = details.get(i.id);
    return {
      id: i.id,
      state: mapLifecycleState(i.lifecycleState),
      launchedAtMs: d?.launchedAtMs,
      instanceType: d?.instanceType ?? i.instanceType,
      lifecycle: d?.lifecycle,
      zone: d?.zone ?? i.zone,
      interruption: notices.get(i.id),
      detail: i.lifecycleState,
    };
  });
}

/** Spot instances of the group that are not already on their way out. */
export function liveSpotInstances(group: GroupSnapshot, details: InstanceDetailsCache): string[] {
  return group.instances
    .filter((i) => mapLifecycleState(i.lifecycleState) !== 'deleting')
    .filter((i) => details.get(i.id)?.lifecycle === 'spot')
    .map((i) => i.id);
}
