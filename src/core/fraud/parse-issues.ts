/**
 * Collects every problem found in a rule set, each naming the rule and the path, so an
 * operator fixing `FRAUD_RULES` sees all mistakes at once rather than one per restart.
 */
export class ParseIssues {
  readonly messages: string[] = [];

  /** `rule_id` is null while the rule's id is itself missing or invalid. */
  report(rule_id: string | null, path: string, message: string): void {
    const where = rule_id === null ? path : `rule ${JSON.stringify(rule_id)} at ${path}`;
    this.messages.push(`${where}: ${message}`);
  }

  get empty(): boolean {
    return this.messages.length === 0;
  }

  summary(shown_max: number): string {
    const shown = this.messages.slice(0, shown_max).join("; ");
    const hidden = this.messages.length - shown_max;
    return hidden > 0 ? `${shown}; and ${hidden} more` : shown;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a value the user gave, for error messages. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
