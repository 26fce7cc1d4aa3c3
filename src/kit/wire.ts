import type { SyncAction, UserSyncAction } from '../tenants/tenant-directory.js';

// What both Kit versions' handlers share: `flag` → directory action.

/** `flag` (https://support.huaweicloud.com/accessg-marketplace/zh-cn_topic_0070649433.html): 0 delete, 1 add, 2 modify (V2; in V1 the organisation sync and authSync). */
export const ACTION: Record<0 | 1 | 2, SyncAction> = { 0: 'delete', 1: 'add', 2: 'modify' };
/** authSync V2 adds 3, cancel authorisation (取消授权). */
export const USER_ACTION: Record<0 | 1 | 2 | 3, UserSyncAction> = { ...ACTION, 3: 'cancel' };
