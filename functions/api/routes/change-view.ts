import type { ChangeRecord } from '../../../adapters/warehouse/admin-changes.js';
import { isoInstant } from '../../../core/api/params.js';

/** A change as the API shows it: who (the token's name), when (ISO), which setting, before and after. */
export function changeView(c: ChangeRecord) {
  return {
    id: c.id,
    subject: { kind: c.subjectKind, name: c.subject },
    at: isoInstant(c.at),
    by: c.actor,
    setting: c.setting,
    before: c.before,
    after: c.after,
    note: c.note,
    requestId: c.requestId,
  };
}
