/** Generated support tickets: deterministic, varied in length, no real data. */

const PRODUCTS = ['invoice portal', 'mobile app', 'API dashboard', 'billing export', 'team workspace', 'SSO login'];
const PROBLEMS = [
  'shows a duplicate charge for the same order',
  'times out when I upload a file larger than 20 MB',
  'logs me out every few minutes since the last update',
  'displays the wrong currency for customers in Canada',
  'sends the weekly report twice to every recipient',
  'rejects a valid VAT number from Ireland',
];
const ASKS = [
  'Please refund the extra charge.',
  'Can you tell me when this will be fixed?',
  'We need a workaround before the end of the quarter.',
  'Is there a setting I am missing?',
];

/** One support ticket. */
export interface Ticket {
  readonly id: number;
  readonly text: string;
}

/** `count` tickets, the same on every run. */
export function generateTickets(count: number): Ticket[] {
  const tickets: Ticket[] = [];
  for (let id = 1; id <= count; id++) {
    const product = PRODUCTS[id % PRODUCTS.length];
    const problem = PROBLEMS[(id * 7) % PROBLEMS.length];
    const ask = ASKS[(id * 3) % ASKS.length];
    const detail = id % 4 === 0 ? ` It started on order #${10_000 + id} and affects ${id % 9 + 1} of my colleagues as well.` : '';
    tickets.push({ id, text: `Ticket ${id}: the ${product} ${problem}.${detail} ${ask}` });
  }
  return tickets;
}
