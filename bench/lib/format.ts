/** How the bench prints its figures, in the tables and on the charts alike. */

/** Seconds: two decimals below 10 s, one above (the noise is larger than that anyway). */
export const seconds = (value: number): string => value.toFixed(value < 10 ? 2 : 1);

/** Megabytes, whole. */
export const megabytes = (value: number): string => value.toFixed(0);
