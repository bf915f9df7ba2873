/**
 * GitLab refuses a configuration whose `needs:` loop back (`YamlProcessor::Dag`, a Ruby TSort
 * over every job of the configuration, before `rules` decide which jobs are created): a job
 * that needs itself is a "self-dependency", a longer loop fails the topological sort and is
 * named as the strongly connected component Ruby's TSort reports.
 */
import type { CiIssues } from './ci-parts.js';
import { isMap, type YamlMap } from './ci-values.js';

function needNames(raw: YamlMap): string[] {
  const needs = raw.needs;
  if (!Array.isArray(needs) && !isMap(needs)) return [];
  const list = Array.isArray(needs) ? (needs as unknown[]).flat(Infinity) : [needs];
  return list.flatMap((need) => {
    if (typeof need === 'string') return [need];
    if (isMap(need) && typeof need.job === 'string' && need.pipeline === undefined)
      return need.project === undefined ? [need.job] : [];
    return [];
  });
}

/** Tarjan's algorithm in TSort's order: nodes as defined, children in `needs` order. */
function firstCycle(graph: Map<string, string[]>): string | undefined {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let found: string | undefined;
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    const children = graph.get(node) ?? [];
    if (children.includes(node)) found ??= `self-dependency: ${node}`;
    for (const child of children) {
      if (found) return;
      if (!graph.has(child)) continue;
      if (!index.has(child)) {
        visit(child);
        low.set(node, Math.min(low.get(node)!, low.get(child)!));
      } else if (onStack.has(child)) low.set(node, Math.min(low.get(node)!, index.get(child)!));
    }
    if (found || low.get(node) !== index.get(node)) return;
    const component = stack.splice(stack.indexOf(node));
    for (const n of component) onStack.delete(n);
    if (component.length > 1)
      found = `topological sort failed: [${component.map((n) => JSON.stringify(n)).join(', ')}]`;
  };
  for (const node of graph.keys()) {
    if (found) break;
    if (!index.has(node)) visit(node);
  }
  return found;
}

/** Reports GitLab's error when the visible jobs' `needs` form a loop. */
export function checkNeedsCycles(jobs: Record<string, YamlMap>, issues: CiIssues): void {
  const graph = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(jobs)) {
    if (!name.startsWith('.')) graph.set(name, needNames(raw));
  }
  const cycle = firstCycle(graph);
  if (cycle) issues.errors.push(`The pipeline has circular dependencies: ${cycle}`);
}
