/** License authorization codes 2.0 and online-open License requests. */
export interface LicenseTables {}
