import { parseTagList, shouldRun } from '../../src/engine/playbook/tags';

const run = (tags: string[], only: string[] = [], skip: string[] = []) => shouldRun(tags, { only, skip });

describe('tag selection (Ansible evaluate_tags)', () => {
  test('without --tags every task runs except never-tagged ones', () => {
    expect(run([])).toBe(true);
    expect(run(['web'])).toBe(true);
    expect(run(['never'])).toBe(false);
    expect(run(['never', 'debug'])).toBe(false);
  });

  test('--tags selects tasks with a matching tag, plus always', () => {
    expect(run(['web'], ['web'])).toBe(true);
    expect(run(['db'], ['web'])).toBe(false);
    expect(run([], ['web'])).toBe(false);
    expect(run(['always'], ['web'])).toBe(true);
  });

  test('never runs only when one of its tags is asked for', () => {
    expect(run(['never', 'debug'], ['debug'])).toBe(true);
    expect(run(['never', 'debug'], ['web'])).toBe(false);
    expect(run(['never'], ['never'])).toBe(true);
    expect(run(['never', 'debug'], ['tagged'])).toBe(false);
  });

  test('tagged and untagged', () => {
    expect(run(['web'], ['tagged'])).toBe(true);
    expect(run([], ['tagged'])).toBe(false);
    expect(run([], ['untagged'])).toBe(true);
    expect(run(['web'], ['untagged'])).toBe(false);
  });

  test('--skip-tags removes matching tasks; always is skipped only when named', () => {
    expect(run(['web'], [], ['web'])).toBe(false);
    expect(run(['db'], [], ['web'])).toBe(true);
    expect(run(['always'], [], ['all'])).toBe(true);
    expect(run(['always'], [], ['always'])).toBe(false);
    expect(run(['web'], [], ['all'])).toBe(false);
    expect(run(['web'], [], ['tagged'])).toBe(false);
    expect(run([], [], ['untagged'])).toBe(false);
  });

  test('--tags and --skip-tags together', () => {
    expect(run(['web', 'slow'], ['web'], ['slow'])).toBe(false);
    expect(run(['web'], ['web'], ['slow'])).toBe(true);
  });

  test('CLI values are comma-separated and repeatable', () => {
    expect(parseTagList(['a,b', ' c '])).toEqual(['a', 'b', 'c']);
    expect(parseTagList(undefined)).toEqual([]);
  });
});
