#!/usr/bin/env node
// A sample implementation of the VTEX marketplace x seller order flow in Node (no
// dependencies), speaking ordercheck's process-adapter protocol: one JSON request per line
// on stdin, one JSON answer per line on stdout (checks/schemas/process-adapter.schema.json).
// Run by:  ordercheck conform --adapter 'process:node docs/examples/node-adapter/oms.js'
'use strict';
const readline = require('readline');

class Refused extends Error {}

class OMS {
  constructor() {
    this.m = { status: 'order-created', inbox: [] };  // marketplace account
    this.s = { status: 'null', inbox: [] };           // seller account
    this.beforeRequest = '';                          // where a declined request returns
    this.settle();
  }
  toSeller(msg) { this.s.inbox.push(msg); }
  toMarketplace(msg) { this.m.inbox.push(msg); }

  // platform automation, run to completion after every call
  settle() {
    const m = this.m, s = this.s;
    const auto = {
      'order-created': () => { m.status = 'on-order-completed'; this.toSeller('order-placed'); },
      'on-order-completed': () => { m.status = 'waiting-for-authorization'; },
      'payment-pending': () => { m.status = 'approve-payment'; },
      'approve-payment': () => { m.status = 'payment-approved'; this.toSeller('authorize-fulfillment'); },
      'invoice': () => { m.status = 'invoiced'; },
      'cancel': () => { m.status = 'canceled'; },
    };
    const sellerAuto = {
      'on-order-completed-ffm': () => { s.status = 'order-accepted'; this.toMarketplace('order-confirmation'); },
      'order-accepted': () => { s.status = 'waiting-for-manual-authorization'; },
      'authorize-fulfillment': () => { s.status = 'window-to-cancel'; },
      'start-handling': () => { s.status = 'handling'; },
      'cancel': () => { s.status = 'canceled'; },
    };
    for (;;) {
      if (auto[m.status]) auto[m.status]();
      else if (sellerAuto[s.status]) sellerAuto[s.status]();
      else return;
    }
  }

  cancelOrder() {
    const m = this.m;
    if (m.status === 'payment-pending') { m.status = 'cancel'; this.toSeller('marketplace-cancellation'); }
    else if (m.status === 'window-to-change-seller') m.status = 'cancel';
    else if (m.status === 'payment-approved') { m.status = 'request-cancel'; this.toSeller('cancel-request'); }
    else throw new Refused(`marketplace order is ${m.status}`);
  }
  startHandling() {
    if (this.s.status !== 'ready-for-handling') throw new Refused('OMS003');
    this.s.status = 'start-handling';
  }
  invoice() {
    if (!['handling', 'cancellation-requested'].includes(this.s.status)) throw new Refused('status');
    this.s.status = 'invoiced';
    this.toMarketplace('invoice');
  }
  sellerCancel() {
    const s = this.s;
    if (['ready-for-handling', 'handling'].includes(s.status)) {
      this.beforeRequest = s.status; s.status = 'cancellation-requested';
    } else if (['cancellation-requested', 'window-to-cancel', 'waiting-for-manual-authorization'].includes(s.status)) {
      s.status = 'cancel'; this.toMarketplace('seller-cancellation');
    } else throw new Refused('status');
  }
  deny() {
    if (!(this.m.status === 'waiting-for-seller-decision' && this.s.status === 'cancellation-requested' && !this.m.inbox.includes('cancellation-denied'))) {
      throw new Refused('status invalid');
    }
    this.s.status = this.beforeRequest; this.toMarketplace('cancellation-denied');
  }
  timer(name) {
    const s = this.s, m = this.m;
    if (name === 'window_elapsed' && s.status === 'window-to-cancel') {
      if (s.inbox.includes('cancel-request')) throw new Refused('in-window request in flight');
      s.status = 'ready-for-handling';
    }
    else if (name === 'decision_timeout' && s.status === 'cancellation-requested') { s.status = 'cancel'; this.toMarketplace('seller-cancellation'); }
    else if (name === 'authorization_timeout' && s.status === 'waiting-for-manual-authorization') { s.status = 'cancel'; this.toMarketplace('seller-cancellation'); }
    else if (name === 'change_seller_window_elapsed' && m.status === 'window-to-change-seller') m.status = 'cancel';
    else throw new Refused('timer not armed');
  }
  deliver(party, message) {
    const account = party === 'marketplace' ? this.m : this.s;
    if (account.inbox[0] !== message) throw new Refused('not the next message');
    account.inbox.shift();
    if (party === 'seller') this.sellerReceives(message); else this.marketplaceReceives(message);
  }
  sellerReceives(msg) {
    const s = this.s;
    if (msg === 'order-placed' && s.status === 'null') s.status = 'on-order-completed-ffm';
    else if (msg === 'authorize-fulfillment' && s.status === 'waiting-for-manual-authorization') s.status = 'authorize-fulfillment';
    else if (msg === 'marketplace-cancellation' && s.status === 'waiting-for-manual-authorization') s.status = 'cancel';
    else if (msg === 'cancel-request') {
      if (['window-to-cancel', 'waiting-for-manual-authorization'].includes(s.status)) {
        s.status = 'cancel'; this.toMarketplace('cancellation-request-received'); this.toMarketplace('seller-cancellation');
      }
      else if (['ready-for-handling', 'handling'].includes(s.status)) {
        this.beforeRequest = s.status; s.status = 'cancellation-requested';
        this.toMarketplace('cancellation-request-received');
      } else if (s.status === 'cancellation-requested') this.toMarketplace('cancellation-request-received');
    }
  }
  marketplaceReceives(msg) {
    const m = this.m;
    if (msg === 'order-confirmation' && m.status === 'waiting-for-authorization') m.status = 'payment-pending';
    else if (msg === 'cancellation-request-received' && m.status === 'request-cancel') m.status = 'waiting-for-seller-decision';
    else if (msg === 'cancellation-denied' && m.status === 'waiting-for-seller-decision') m.status = 'payment-approved';
    else if (msg === 'seller-cancellation') {
      if (['payment-approved', 'payment-pending', 'waiting-for-authorization'].includes(m.status)) m.status = 'window-to-change-seller';
      else if (['request-cancel', 'waiting-for-seller-decision'].includes(m.status)) m.status = 'cancel';
    } else if (msg === 'invoice' && ['payment-approved', 'waiting-for-seller-decision', 'request-cancel'].includes(m.status)) m.status = 'invoice';
  }
  send(cmd) {
    const key = `${cmd.party}.${cmd.event}`;
    const actions = {
      'marketplace.shopper_cancels': () => {
        if (this.m.status === 'window-to-change-seller') throw new Refused('marketplace decides');
        this.cancelOrder();
      },
      'marketplace.care_cancels': () => this.cancelOrder(),
      'seller.begin_handling': () => this.startHandling(),
      'seller.invoice': () => this.invoice(),
      'seller.cancel': () => this.sellerCancel(),
      'seller.decline': () => this.deny(),
      'seller.window_elapsed': () => this.timer('window_elapsed'),
      'seller.decision_timeout': () => this.timer('decision_timeout'),
      'seller.authorization_timeout': () => this.timer('authorization_timeout'),
      'marketplace.change_seller_window_elapsed': () => this.timer('change_seller_window_elapsed'),
    };
    const action = cmd.kind === 'deliver' ? () => this.deliver(cmd.party, cmd.message) : actions[key];
    if (!action) return false;
    try { action(); } catch (e) { if (e instanceof Refused) return false; throw e; }
    this.settle();
    return true;
  }
}

let oms = new OMS();
const rl = readline.createInterface({ input: process.stdin });
const reply = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
rl.on('line', (line) => {
  let req;
  try { req = JSON.parse(line); } catch (e) { reply({ ok: false, error: 'request is not JSON' }); return; }
  try {
    switch (req.op) {
      case 'hello': reply({ ok: true, automatic: ['platform'], settle: true }); break;
      case 'settle': reply({ ok: true }); break;  // synchronous: its own steps are done
      case 'reset': oms = new OMS(); reply({ ok: true }); break;
      case 'send': reply({ ok: true, accepted: oms.send(req.command) }); break;
      case 'status': reply({ ok: true, status: { marketplace: oms.m.status, seller: oms.s.status } }); break;
      case 'close': rl.close(); process.exit(0); break;
      default: reply({ ok: false, error: `unknown op ${req.op}` });
    }
  } catch (e) { reply({ ok: false, error: String(e) }); }
});
