/**
 * Every vvtvctl command: its name, options and help. Only commander is loaded here; each action
 * imports what it needs when it runs, so `--help` and argument errors answer at once.
 */
import type { Command } from 'commander';
import { finiteNumber, isoTime, outputFile, parameterSetting, positiveInt, positiveNumber } from './args';
import type { CliContext } from './context';

const inspect = () => import('./inspect');
const control = () => import('./control');
const governor = () => import('./governor');
const golden = () => import('./golden');
const integration = () => import('./integration');
const who = () => process.env.USER ?? 'operator';

export function registerCommands(ap: Command, ctx: () => CliContext): void {
  // ------------------------------------------------------------ reading (8.x)
  ap.command('status')
    .description('the governor’s pause and mode, the live card, a running canary, recent cycles and bounds (9.1)')
    .option('-c, --channel <id>')
    .action(async (o) => (await inspect()).status(ctx(), o));
  ap.command('history')
    .description('card versions with their changes, rationale and deployment result (5.1)')
    .option('-c, --channel <id>')
    .option('-n, --limit <n>', 'versions to show', positiveInt, 20)
    .option('--parameter <name>', 'only versions changing this parameter')
    .option('--format <fmt>', 'table | json | csv', 'table')
    .action(async (o) => (await inspect()).history(ctx(), o));
  ap.command('show-cycle <cycleId>')
    .description('every decision of one cycle with its evidence: the per-KPI verdict table and the canary’s checks (8.4)')
    .option('-c, --channel <id>')
    .action(async (id, o) => (await inspect()).showCycle(ctx(), id, o));
  ap.command('bounds')
    .description('current sliding bounds and their adjustment history (2.x)')
    .option('-c, --channel <id>')
    .action(async (o) => (await inspect()).bounds(ctx(), o));
  ap.command('validate')
    .description('validate the config and a card (syntax, constraints, current bounds) without changing anything (10.1)')
    .option('-c, --channel <id>')
    .option('--card <path>', 'card to check (default: the channel’s live card)')
    .action(async (o) => (await inspect()).validate(ctx(), o));
  ap.command('config')
    .description('show the effective config (file + environment overrides)')
    .action(async () => (await inspect()).config(ctx()));
  ap.command('report')
    .description(
      'performance over a period: outcomes, deployment success (8.2), rollback rate (4.3), the governor’s prediction error p50 (4.1)',
    )
    .option('-c, --channel <id>')
    .option('--days <n>', 'period', positiveNumber, 30)
    .option(
      '--html <file>',
      'write a self-contained HTML page instead: parameter trajectories in their bounds, KPI trends, canary verdicts, ' +
        'predicted against measured effects, rollbacks and pauses on a time line (written atomically)',
      outputFile,
    )
    .action(async (o) => (o.html ? (await import('./html-report')).htmlReport(ctx(), o) : (await inspect()).report(ctx(), o)));
  ap.command('drift-check')
    .description('the governor’s view: pause, drift mode, rollback rates, prediction error, overrides (4.x)')
    .option('-c, --channel <id>')
    .action(async (o) => (await inspect()).driftCheck(ctx(), o));

  // ------------------------------------------------------------ cycles and canaries (1.x, 3.x)
  ap.command('run')
    .description('start a cycle now (manual trigger); --set forces values, which still go through bounds and the canary')
    .option('-c, --channel <id>')
    .option('--set <param=value...>', 'operator-requested values instead of the proposer', parameterSetting)
    .option('--reason <text>', 'why (stored with the version)')
    .option('--canary-minutes <m>', 'override the canary duration', positiveNumber)
    .option('--check-minutes <m>', 'override the check interval', positiveNumber)
    .option('--wait', 'wait for the verdict and print it')
    .action(async (o) => (await control()).run(ctx(), o));
  ap.command('canary-status')
    .description('the running canary: phase, checks so far with their decisions, last verdict per KPI (3.2)')
    .option('-c, --channel <id>')
    .option('--canary <id>', 'a canary workflow id (default: the running one)')
    .action(async (o) => (await control()).canaryStatus(ctx(), o));
  ap.command('decide <decision>')
    .description('operator decision for a canary (proceed | rollback), e.g. when it is Inconclusive (3.4)')
    .option('-c, --channel <id>')
    .option('--canary <id>', 'canary workflow id (default: the running one)')
    .requiredOption('--reason <text>', 'why')
    .option('--by <name>', 'who decides', who())
    .action(async (decision, o) => (await control()).decide(ctx(), decision, o));

  const sch = ap.command('schedule').description('the daily schedule (1.1)');
  sch
    .command('show')
    .option('-c, --channel <id>')
    .action(async (o) => (await control()).scheduleShow(ctx(), o));
  sch
    .command('apply')
    .description('create or update the schedule from the config')
    .option('-c, --channel <id>')
    .action(async (o) => (await control()).scheduleApply(ctx(), o));
  for (const verb of ['pause', 'unpause'] as const) {
    sch
      .command(verb)
      .option('-c, --channel <id>')
      .requiredOption('--reason <text>')
      .action(async (o) => (await control()).schedulePause(ctx(), verb, o));
  }
  sch
    .command('trigger')
    .description('run the scheduled action now')
    .option('-c, --channel <id>')
    .action(async (o) => (await control()).scheduleTrigger(ctx(), o));

  // ------------------------------------------------------------ the governor (9.1-9.5)
  ap.command('pause')
    .description('pause the autopilot: it keeps analysing and recording but changes nothing (9.1, 9.2)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--hours <h>', 'resume by itself after this long (default: until resumed)', positiveNumber)
    .option('--by <name>', 'who', who())
    .action(async (o) => (await governor()).pause(ctx(), o));
  ap.command('resume')
    .description('end an operator or safety pause (an emergency_pause set in the config file must be cleared there)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action(async (o) => (await governor()).resume(ctx(), o));
  ap.command('emergency-pause')
    .description('pause now and roll back a running canary within seconds (9.1)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action(async (o) => (await governor()).emergencyPause(ctx(), o));
  ap.command('override-bounds <parameter>')
    .description('replace a parameter’s sliding range for a while (hard limits still apply); announced by alert (9.3-9.5)')
    .option('-c, --channel <id>')
    .requiredOption('--min <n>', 'lower edge', finiteNumber)
    .requiredOption('--max <n>', 'upper edge', finiteNumber)
    .requiredOption('--reason <text>')
    .option('--hours <h>', 'expiry', positiveNumber, 24)
    .option('--by <name>', 'who', who())
    .action(async (parameter, o) => (await governor()).overrideBounds(ctx(), parameter, o));
  ap.command('clear-override <parameter>')
    .description('end a bounds override before it expires')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action(async (parameter, o) => (await governor()).clearOverride(ctx(), parameter, o));
  ap.command('rollback <versionId>')
    .description('restore a stored card version now, checked against the current bounds (5.3, 5.5, 9.2)')
    .option('-c, --channel <id>')
    .requiredOption('--reason <text>')
    .option('--by <name>', 'who', who())
    .action(async (versionId, o) => (await governor()).rollback(ctx(), versionId, o));
  ap.command('force-deploy')
    .description(
      'emergency deployment of given values: bounds and canary still apply; --bypass-golden skips the golden set ' +
        'with the operator token in $VVTV_BYPASS_TOKEN (9.2)',
    )
    .option('-c, --channel <id>')
    .requiredOption('--set <param=value...>', 'values to deploy', parameterSetting)
    .requiredOption('--reason <text>')
    .option('--bypass-golden', 'skip the golden set (needs $VVTV_BYPASS_TOKEN)')
    .option('--by <name>', 'who', who())
    .action(async (o) => (await governor()).forceDeploy(ctx(), o));

  // ------------------------------------------------------------ weekly triage (7.x)
  ap.command('check-integration')
    .description('check that the live planner meets what the canary mode needs: metrics rows, their format, reloads, the overlay contract')
    .option('-c, --channel <id>')
    .option('--minutes <n>', 'look at the metrics of the last n minutes', positiveNumber, 60)
    .option('--probe', 'overlay mode: write the live card as a probe overlay and check the planner tags its rows')
    .option('--probe-seconds <n>', 'how long the probe overlay stays', positiveNumber, 60)
    .option('--probe-share <x>', 'the probe overlay share of slots', finiteNumber, 0.2)
    .action(async (o) => (await integration()).checkIntegration(ctx(), o));
  const gold = ap.command('golden').description('the golden set (6.x)');
  gold
    .command('record')
    .description('record the pinned expectations with golden.external_engine (the production planner) into a new set file to review')
    .requiredOption('--out <file>', 'the set file to write')
    .option('--set <file>', 'the set whose cases to record (default: golden.path or the shipped set)')
    .option('--force', 'replace --out if it exists')
    .option('--timeout-seconds <n>', 'deadline for each engine call', positiveNumber, 300)
    .action(async (o) => (await golden()).record(ctx(), o));
  ap.command('triage')
    .description('run the incident triage now over the last 7 full days and print its report (7.1-7.5)')
    .option('-c, --channel <id>')
    .option('--dry-run', 'report only: apply no bounds patch, open no issue')
    .option('--week-end <iso>', 'end of the window (default: the start of today, UTC)', isoTime)
    .action(async (o) => (await control()).triage(ctx(), o));
  ap.command('triage-status')
    .description('the GitHub issues the triage opened: open or closed (7.4)')
    .option('-c, --channel <id>')
    .action(async (o) => (await control()).triageStatus(ctx(), o));
}
