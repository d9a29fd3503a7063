import type { RunInventory } from '../engine/run/run-state';
import { loadInventory, type InventoryOptions } from '../inventory/inventory';
import { splitPattern } from '../inventory/host-patterns';

export interface OpenedInventory extends RunInventory {
  /** Printed before the run, like Ansible's: unmatched patterns, an empty inventory. */
  warnings: string[];
  /** Every variable name some host has, for the load-time undefined-variable check. */
  variableNames(): string[];
}

const LOCALHOST = 'localhost';
/** Ansible's implicit localhost: usable by name when the inventory does not define it. */
const IMPLICIT_LOCALHOST_VARS = { ansible_connection: 'local', inventory_hostname: LOCALHOST };

/**
 * The inventory as the runner sees it, with Ansible's implicit `localhost` and a warning for
 * every part of a play's host pattern that matches nothing.
 */
export function openInventory(sources: string[], options: InventoryOptions, playPatterns: string[]): OpenedInventory {
  const inventory = loadInventory(sources, options);
  const warnings: string[] = [];
  if (sources.length === 0) warnings.push('no inventory given (-i or play.yml), only the implicit localhost is available');
  const implicitLocalhost = !inventory.hasHost(LOCALHOST);
  const isImplicit = (term: string) => implicitLocalhost && term === LOCALHOST;

  for (const pattern of new Set(playPatterns)) {
    const unmatched = inventory.match(pattern).unmatched.filter((term) => !isImplicit(term));
    if (unmatched.length > 0) warnings.push(`Could not match supplied host pattern, ignoring: ${unmatched.join(', ')}`);
  }

  return {
    warnings,
    variableNames: () => [...new Set(inventory.hosts().flatMap((host) => Object.keys(inventory.hostVars(host))))],
    select: (pattern) => {
      const hosts = inventory.select(pattern);
      return splitPattern(pattern).some(isImplicit) && !hosts.includes(LOCALHOST) ? [...hosts, LOCALHOST] : hosts;
    },
    groups: () => inventory.groupMap(),
    hostVars: (host) => (host === LOCALHOST && implicitLocalhost ? { ...IMPLICIT_LOCALHOST_VARS } : inventory.hostVars(host)),
  };
}
