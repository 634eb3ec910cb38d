// Formatting of the benchmark's results: console tables and the blocks of docs/benchmarks.md. Each
// section's figures live between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`, with
// the machine and date they were taken on; a run replaces only the blocks of the sections it ran,
// and everything outside the markers (the analysis) is kept as written.
import type { Machine } from "./setup";

export type SectionId = "batch" | "latency" | "http" | "weight" | "register" | "scale";

export interface SectionReport {
  id: SectionId;
  title: string;
  runtimeMs: number;
  /** Markdown tables and notes (without the heading and machine line). */
  markdown: string;
  /** Plain-text tables for the terminal. */
  console: string;
  met: string[];
  missed: string[];
  /** CPU kept busy by other processes just before the section started (cores), and the heaviest. */
  busyAtStart?: { cores: number; top: string[] };
}

export function machineLine(m: Machine, withDate = true): string {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}${withDate ? `, ${m.date}` : ""}`;
}

export function contentionLine(m: Machine): string {
  if (m.busyBeforeCores <= 0.2) return `The machine was otherwise idle when the run started (${m.busyBeforeCores.toFixed(2)} cores busy).`;
  return `**Taken under contention**: other processes kept ${m.busyBeforeCores} of ${m.cores} cores busy when the run started (${m.busyTop.join(", ") || "various"}); absolute figures are low, ratios to baselines measured in the same run are the fairer reading.`;
}

export const fmt = {
  s: (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1),
  ms: (ms: number) => (Number.isNaN(ms) ? "–" : ms < 10 ? ms.toFixed(1) : Math.round(ms).toLocaleString("en-US")),
  int: (n: number) => Math.round(n).toLocaleString("en-US"),
  ratio: (r: number) => (Number.isFinite(r) ? r.toFixed(2) : "–"),
  kb: (kb: number) => kb.toFixed(1),
};

/** A Markdown table. */
export function mdTable(head: string[], rows: (string | number)[][], align?: ("l" | "r")[]): string {
  const sep = head.map((_, i) => ((align?.[i] ?? "l") === "r" ? "---:" : "---"));
  return [head, sep, ...rows.map((r) => r.map(String))].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** The same table for a terminal (columns padded). */
export function textTable(head: string[], rows: (string | number)[][]): string {
  const all = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: string[]) => r.map((c, i) => c + " ".repeat(Math.max(0, widths[i]! - [...c].length))).join("  ");
  return [line(head), widths.map((w) => "─".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}

export function consoleSummary(results: SectionReport[], m: Machine, totalMs: number): string {
  const parts = [`═══ results — ${machineLine(m)}`];
  for (const r of results) parts.push(`\n── ${r.title} (${fmt.s(r.runtimeMs)} s)\n${r.console}`);
  parts.push(`\nsection runtimes: ${results.map((r) => `${r.id} ${fmt.s(r.runtimeMs)} s`).join(", ")}; total ${fmt.s(totalMs)} s`);
  return parts.join("\n");
}

function busyLine(r: SectionReport): string {
  const b = r.busyAtStart;
  if (!b) return "";
  return b.cores <= 0.2 ? ` Idle again when this section started (${b.cores.toFixed(2)} cores busy).` : ` **Other processes kept ${b.cores.toFixed(2)} cores busy when this section started** (${b.top.join(", ") || "various"}): its figures are low.`;
}

const begin = (id: string) => `<!-- bench:${id}:begin -->`;
const end = (id: string) => `<!-- bench:${id}:end -->`;

function block(r: SectionReport, m: Machine, o: { quick: boolean; note?: string }): string {
  const lines = [
    begin(r.id),
    `_Measured ${m.date} on ${machineLine(m, false)}; the section took ${fmt.s(r.runtimeMs)} s${o.quick ? "; **quick mode** (shortened run)" : ""}._`,
    `_${contentionLine(m)}${busyLine(r)}${o.note ? ` ${o.note}` : ""}_`,
    "",
    r.markdown.trim(),
    "",
    r.missed.length > 0 ? `Targets missed: ${r.missed.join("; ")}.` : r.met.length > 0 ? `All targets met: ${r.met.join("; ")}.` : "",
    end(r.id),
  ];
  return lines.filter((l, i, a) => !(l === "" && a[i - 1] === "")).join("\n");
}

const SKELETON = `# Benchmarks

\`npm run bench\` measures what issue 8 asks for and rewrites the blocks below (\`npm run bench -- --help\`
for the options; \`--quick\` for a short run). Every figure states the machine it ran on and, where a
baseline exists, its ratio to that baseline measured in the same run.

## The 17:30 batch

${begin("batch")}
(not measured yet)
${end("batch")}

## IP_PHONE latency

${begin("latency")}
(not measured yet)
${end("latency")}

## HTTP

${begin("http")}
(not measured yet)
${end("http")}

## Page weight

${begin("weight")}
(not measured yet)
${end("weight")}
`;

/** `before` (the current file, or "") with the blocks of the sections in `results` replaced. */
export function mergeMarkdown(before: string, results: SectionReport[], m: Machine, o: { quick: boolean; note?: string; totalMs: number }): string {
  let text = before.includes("<!-- bench:") ? before : SKELETON;
  for (const r of results) {
    const b = text.indexOf(begin(r.id));
    const e = text.indexOf(end(r.id));
    const replacement = block(r, m, o);
    if (b >= 0 && e > b) text = text.slice(0, b) + replacement + text.slice(e + end(r.id).length);
    else text = `${text.trimEnd()}\n\n## ${r.title}\n\n${replacement}\n`;
  }
  const runtimes = `${begin("runtimes")}\nLast run (${m.date}${o.quick ? ", quick" : ""}): ${results.map((r) => `${r.id} ${fmt.s(r.runtimeMs)} s`).join(", ")}; total ${fmt.s(o.totalMs)} s (PostgreSQL start, build and seeding included).\n${end("runtimes")}`;
  const rb = text.indexOf(begin("runtimes"));
  const re = text.indexOf(end("runtimes"));
  if (rb >= 0 && re > rb) text = text.slice(0, rb) + runtimes + text.slice(re + end("runtimes").length);
  else text = `${text.trimEnd()}\n\n## Section runtimes\n\n${runtimes}\n`;
  return text;
}
