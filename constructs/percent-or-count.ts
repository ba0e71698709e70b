/**
 * A number of pods given as a count or as a percentage of the replicas: the int-or-string of
 * maxSurge, maxUnavailable and PodDisruptionBudgets. Build with the static factories.
 */
export class PercentOrCount {
  /** `percent` % of the replicas (0 to 100). */
  static percent(percent: number): PercentOrCount {
    if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`a percentage (${percent}) must be a whole number from 0 to 100`);
    return new PercentOrCount(percent, true);
  }

  /** Exactly `count` pods. */
  static count(count: number): PercentOrCount {
    if (!Number.isInteger(count) || count < 0) throw new Error(`a pod count (${count}) must be a whole number, 0 or more`);
    return new PercentOrCount(count, false);
  }

  /** "6%" or "6", as a service profile writes it. */
  static parse(text: string): PercentOrCount {
    const match = /^([0-9]+)(%?)$/.exec(text);
    if (!match) throw new Error(`"${text}" is neither a count such as "1" nor a percentage such as "25%"`);
    return match[2] ? PercentOrCount.percent(Number(match[1])) : PercentOrCount.count(Number(match[1]));
  }

  private constructor(
    readonly value: number,
    readonly isPercent: boolean,
  ) {}

  get isZero(): boolean {
    return this.value === 0;
  }

  /** The Kubernetes int-or-string: "25%" or 1. */
  toKube(): string | number {
    return this.isPercent ? `${this.value}%` : this.value;
  }
}
