/** The canary's group-sequential stages (issue 12): which stage a check belongs to (canary/judge.ts spends the error). */
/**
 * Where check i (1-based) of a canary planned as `maxStages` equal stages over `totalChecks`
 * checks falls: its stage, and whether it ends that stage (a stage-end look, isFinalCheck).
 */
export function stageOfCheck(
  i: number,
  totalChecks: number,
  maxStages: number,
): { stage: number; maxStages: number; isFinalCheck: boolean } {
  const stages = Math.max(1, Math.min(maxStages, totalChecks));
  const perStage = Math.max(1, Math.floor(totalChecks / stages));
  const stage = Math.min(stages, Math.ceil(i / perStage));
  return { stage, maxStages: stages, isFinalCheck: i === totalChecks || (i % perStage === 0 && stage < stages) };
}
