/** Order notifications (orderNotify). */
export interface OrderTables {}
