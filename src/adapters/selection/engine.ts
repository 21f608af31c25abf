/** The reference selection as the offline replay's engine (src/domain/replay). */
import type { SelectionEngine } from '../../domain/replay';
import { selectPlans } from './select';

export const referenceSelectionEngine: SelectionEngine = {
  select: (candidates, params, opts) => selectPlans([...candidates], params, opts),
};
