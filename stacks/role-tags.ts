import { Aspects, type IAspect, TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';

interface Taggable {
  tags: Record<string, string>;
  /** What was set; the `tags` getter returns a reference token instead. */
  readonly tagsInput?: Record<string, string>;
}

function isTaggable(node: IConstruct): node is TerraformResource & Taggable {
  return node instanceof TerraformResource && 'tags' in node;
}

/**
 * Adds the `Role` and `Name` tags to every taggable resource under a construct (Project and
 * Environment come from the provider's default_tags). An aspect, so a resource added later to
 * the construct cannot be forgotten; tags set explicitly on a resource win.
 */
class RoleTagger implements IAspect {
  constructor(
    private readonly role: string,
    private readonly namePrefix: string,
  ) {}

  visit(node: IConstruct): void {
    if (!isTaggable(node)) return;
    node.tags = { Name: `${this.namePrefix}-${node.node.id}`, Role: this.role, ...node.tagsInput };
  }
}

export function tagRole(scope: IConstruct, role: string, namePrefix: string): void {
  Aspects.of(scope).add(new RoleTagger(role, namePrefix));
}
