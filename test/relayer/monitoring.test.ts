/**
 * deploy/monitoring/ against the relayer's live metrics registry (promtool is not available
 * here): every metric name an alert rule or a dashboard panel uses is one the relayer exports,
 * every label it selects, groups or matches on is one that metric has (or a label Prometheus adds
 * to every target), every alert says what it means and points at its section of
 * docs/operations.md, and the metrics the issue asks for are all alerted on.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parse as parseYaml } from "yaml";

import { Metrics } from "../../relayer/src/api/metrics";

const ROOT = path.resolve(__dirname, "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

/** Prometheus writes these itself: `up` per scrape target, `job` and `instance` on every series. */
const PROMETHEUS_SERIES: Record<string, readonly string[]> = { up: ["job", "instance"] };
const TARGET_LABELS = ["job", "instance"];

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"]);
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
/** Aggregation operators: `sum by (x) (…)` puts the label list between the operator and its "(". */
const AGGREGATIONS = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"]);

export interface PromqlRefs {
  /** Metric names, in order of appearance. */
  metrics: string[];
  /** Label names each selector matches on, by metric. */
  selected: { metric: string; label: string }[];
  /** Labels named in by/without/on/ignoring/group_* lists. */
  grouped: string[];
}

/**
 * The metric and label names a PromQL expression refers to. Not a full parser: enough to find
 * every selector (an identifier not followed by "(" and not a keyword), its label matchers, and
 * the label lists of aggregations and vector matching. Strings, ranges and numbers are skipped.
 */
export function promqlRefs(expr: string): PromqlRefs {
  const refs: PromqlRefs = { metrics: [], selected: [], grouped: [] };
  const token = /\s+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|\{[^}]*\}|\d+(?:\.\d+)?(?:e[+-]?\d+)?[smhdwy]*|[a-zA-Z_:][a-zA-Z0-9_:]*|\$\{?\w+\}?|./gy;
  const tokens: string[] = [];
  for (let match = token.exec(expr); match !== null; match = token.exec(expr)) if (!/^\s+$/.test(match[0])) tokens.push(match[0]);
  let lastMetric: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith("{")) {
      const labels = [...t.slice(1, -1).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((m) => m[1]);
      // A selector's matchers follow its metric name directly.
      const metric = /^[a-zA-Z_:]/.test(tokens[i - 1] ?? "") && !KEYWORDS.has(tokens[i - 1]) ? lastMetric : undefined;
      for (const label of labels) refs.selected.push({ metric: metric ?? "", label });
      continue;
    }
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(t)) continue;
    if (LABEL_LIST_KEYWORDS.has(t) && tokens[i + 1] === "(") {
      let j = i + 2;
      for (; j < tokens.length && tokens[j] !== ")"; j++) if (/^[a-zA-Z_]/.test(tokens[j])) refs.grouped.push(tokens[j]);
      i = j;
      continue;
    }
    if (KEYWORDS.has(t) || tokens[i + 1] === "(") continue;
    if (AGGREGATIONS.has(t) && (tokens[i + 1] === "by" || tokens[i + 1] === "without")) continue;
    refs.metrics.push(t);
    lastMetric = t;
  }
  return refs;
}

interface Exported {
  labels: Map<string, readonly string[]>;
}

/** What the relayer's registry exports: each metric's name and label names, read from a live Metrics. */
function exported(): Exported {
  const metrics = new Metrics();
  const labels = new Map<string, readonly string[]>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    // prom-client keeps each metric's label names on the instance (not in its public types).
    const names = (metric as unknown as { labelNames?: readonly string[] }).labelNames;
    expect(names, `label names of ${metric.name}`).to.be.an("array");
    labels.set(metric.name, names!);
  }
  for (const [name, names] of Object.entries(PROMETHEUS_SERIES)) labels.set(name, names);
  return { labels };
}

/** Every way `expr` may refer to something the relayer does not export, in words; empty when none. */
function problems(expr: string, where: string, known: Exported, extraLabels: { metric?: string; label: string }[] = []): string[] {
  const refs = promqlRefs(expr);
  const found: string[] = [];
  if (refs.metrics.length === 0) found.push(`${where}: no metric in ${expr}`);
  for (const metric of refs.metrics) if (!known.labels.has(metric)) found.push(`${where}: ${metric} is not exported by the relayer`);
  const labelsOf = (metric: string) => [...(known.labels.get(metric) ?? []), ...TARGET_LABELS];
  const anyLabel = new Set([...refs.metrics.flatMap(labelsOf), ...TARGET_LABELS]);
  for (const { metric, label } of refs.selected) {
    const allowed = metric === "" ? anyLabel : new Set(labelsOf(metric));
    if (!allowed.has(label)) found.push(`${where}: ${metric || "a selector"} has no label ${label}`);
  }
  for (const label of refs.grouped) if (!anyLabel.has(label)) found.push(`${where}: no metric in the expression has the label ${label} it groups or matches on`);
  for (const { metric, label } of extraLabels) {
    const allowed = metric === undefined ? anyLabel : new Set(labelsOf(metric));
    if (!allowed.has(label)) found.push(`${where}: ${metric ?? "the expression"} has no label ${label}`);
  }
  return found;
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

describe("deploy/monitoring (against the relayer's metrics registry)", function () {
  const known = exported();
  const rules = (parseYaml(read("deploy/monitoring/alerts.yml")) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  const dashboard = JSON.parse(read("deploy/monitoring/grafana-dashboard.json")) as {
    uid: string;
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
    templating: { list: { name: string; type: string; definition?: string }[] };
  };
  const operations = read("docs/operations.md");

  it("finds metric and label names in PromQL, and flags one the relayer does not export", function () {
    expect(promqlRefs('sum by (lane, status) (rate(sidechain_relays_total{outcome="gave_up", lane=~"$lane"}[5m])) * 60 > 1e18')).to.deep.equal({
      metrics: ["sidechain_relays_total"],
      selected: [
        { metric: "sidechain_relays_total", label: "outcome" },
        { metric: "sidechain_relays_total", label: "lane" },
      ],
      grouped: ["lane", "status"],
    });
    expect(promqlRefs("time() - sidechain_loop_last_success_timestamp_seconds > 300").metrics).to.deep.equal(["sidechain_loop_last_success_timestamp_seconds"]);
    expect(promqlRefs("a < on (job, chain) group_left () (b / 4)")).to.deep.include({ metrics: ["a", "b"], grouped: ["job", "chain"] });
    expect(problems('sidechain_nope_total{lane="x"} > 0', "probe", known)).to.deep.equal(["probe: sidechain_nope_total is not exported by the relayer", "probe: sidechain_nope_total has no label lane"]);
    expect(problems('sidechain_queue_length{chain="main"} > 0', "probe", known)).to.deep.equal(["probe: sidechain_queue_length has no label chain"]);
    expect(problems("sum by (validator) (sidechain_queue_length)", "probe", known)).to.deep.equal(["probe: no metric in the expression has the label validator it groups or matches on"]);
  });

  it("alert rules use only exported metrics and labels, each with a severity, a summary, a description and its runbook section", function () {
    expect(rules.length).to.be.at.least(10);
    const found: string[] = [];
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).to.match(/^Sidechain[A-Za-z]+$/);
      expect(["warning", "critical"], `${rule.alert} severity`).to.include(rule.labels?.severity);
      if (rule.for !== undefined) expect(rule.for, `${rule.alert} for`).to.match(/^\d+[smh]$/);
      expect(rule.annotations?.summary, `${rule.alert} summary`).to.be.a("string").and.not.equal("");
      expect(rule.annotations?.description, `${rule.alert} description`).to.be.a("string").and.not.equal("");
      // The labels an annotation prints must exist on what the expression returns.
      const printed = [...`${rule.annotations!.summary} ${rule.annotations!.description}`.matchAll(/\$labels\.([a-zA-Z_]+)/g)].map((m) => ({ label: m[1] }));
      found.push(...problems(rule.expr, rule.alert, known, printed));
      const anchor = rule.alert.toLowerCase();
      expect(rule.annotations?.runbook, `${rule.alert} runbook`).to.equal(`docs/operations.md#${anchor}`);
      expect(operations, `docs/operations.md has a section ${rule.alert}`).to.match(new RegExp(`^#{2,4} ${rule.alert}$`, "m"));
    }
    expect(found).to.deep.equal([]);
    expect(new Set(rules.map((r) => r.alert)).size, "alert names are unique").to.equal(rules.length);
  });

  it("alerts on what the issue names: stuck message, signer balance, checkpoint lag, challenge, unknown execution, relayer down", function () {
    const used = new Set(rules.flatMap((r) => promqlRefs(r.expr).metrics));
    for (const metric of [
      "sidechain_message_oldest_pending_seconds",
      "sidechain_queue_length",
      "sidechain_signer_balance_wei",
      "sidechain_checkpoint_latest",
      "sidechain_validator_missed_total",
      "sidechain_unknown_execution_total",
      "sidechain_challenges_total",
      "up",
    ]) {
      expect(used.has(metric), metric).to.equal(true);
    }
    for (const alert of ["SidechainMessageStuck", "SidechainSignerBalanceLow", "SidechainCheckpointLag", "SidechainChallengeSeen", "SidechainUnknownExecution", "SidechainRelayerDown"]) {
      expect(rules.map((r) => r.alert)).to.include(alert);
    }
  });

  it("the Grafana dashboard queries only exported metrics and labels, in its panels and its variables", function () {
    expect(dashboard.uid).to.equal("sidechain-kit-relayer");
    const panels = dashboard.panels.filter((p) => p.type !== "row");
    expect(panels.length).to.be.at.least(15);
    const found: string[] = [];
    const used = new Set<string>();
    for (const panel of panels) {
      expect(panel.targets, panel.title).to.be.an("array").that.is.not.empty;
      for (const target of panel.targets!) {
        found.push(...problems(target.expr, `panel "${panel.title}"`, known));
        for (const metric of promqlRefs(target.expr).metrics) used.add(metric);
      }
    }
    for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) {
      const match = /^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*), *([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(variable.definition ?? "");
      expect(match, `variable ${variable.name}: ${variable.definition}`).to.not.equal(null);
      found.push(...problems(match![1], `variable ${variable.name}`, known, [{ metric: match![1], label: match![2] }]));
    }
    expect(found).to.deep.equal([]);
    for (const metric of [
      "up",
      "sidechain_lane_degraded",
      "sidechain_message_oldest_pending_seconds",
      "sidechain_queue_length",
      "sidechain_checkpoint_latest",
      "sidechain_signer_balance_wei",
      "sidechain_validator_missed_total",
      "sidechain_unknown_execution_total",
      "sidechain_challenges_total",
      "sidechain_loop_last_success_timestamp_seconds",
      "sidechain_rpc_errors_total",
    ]) {
      expect(used.has(metric), `a panel shows ${metric}`).to.equal(true);
    }
  });
});
