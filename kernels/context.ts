/**
 * What kernels need to know about the run: the SQL semantics of the job's Glue version.
 * Glue 4.0 and 5.0 run Spark 3.x with ANSI mode off (bad casts give NULL, integer
 * overflow wraps); Glue 6.0 runs Spark 4.1 with ANSI mode on (both are errors).
 */
export interface KernelContext {
  readonly ansi: boolean;
}

export const NON_ANSI: KernelContext = Object.freeze({ ansi: false });
export const ANSI: KernelContext = Object.freeze({ ansi: true });

/**
 * A runtime error Spark would raise under ANSI mode, with Spark's error class, so the
 * local run fails where the Glue run would, and says why in Spark's words.
 */
export class SparkRuntimeError extends Error {
  constructor(
    /** Spark's error class, e.g. CAST_INVALID_INPUT, ARITHMETIC_OVERFLOW, DIVIDE_BY_ZERO. */
    readonly errorClass: string,
    message: string,
  ) {
    super(`[${errorClass}] ${message}`);
    this.name = 'SparkRuntimeError';
  }
}
