/** SaaS V1.0: the order details a V1.0 newInstance carries. */
export interface SaasV1Tables {}
