/** The operator report as one self-contained HTML page (vvtvctl autopilot report --html). */
export { renderHtmlReport } from './page';
