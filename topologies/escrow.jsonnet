// TON deal escrow (seed 000): the outbox routing of deal.events into the
// command topics the workers consume. Every topic is keyed by deal_id (per-deal
// ordering), except notifications.outbox, keyed by recipient_id (per-user).
//
// First cut (stateless): deal state transitions become commands. The deal state
// table, deadlines and reconciliation come with the stateful operators.
local topo = import 'topo.libsonnet';

// The deal event envelope: {deal_id, event_type, from_status, to_status, payload, timestamp}.
local dealEvent = {
  deal_id: 'string',
  event_type: 'string',
  from_status: 'string',
  to_status: 'string',
  payload: 'object',
  timestamp: 'string',
};

local command(type) =
  "{deal_id: value.deal_id, command: '%s', amount: value.payload.amount, " % type +
  'caused_by: value.event_type, at: value.timestamp}';

topo.topology('escrow', {
  config: { guarantee: 'exactly_once', commit_interval_ms: 100 },
  topics: {
    'deal.events': topo.topic(partitions=12, schema=dealEvent, retention='30d',
                              description='Domain events from the deal state machine (fan-out for all workers)'),
    'escrow.commands': topo.topic(partitions=12, description='WATCH_DEPOSIT, EXECUTE_PAYOUT, EXECUTE_REFUND (#financial)'),
    'escrow.confirmations': topo.topic(partitions=12, description='Funding confirmed/failed from the TON deposit watcher'),
    'delivery.commands': topo.topic(partitions=12, description='PUBLISH_POST, VERIFY_DELIVERY'),
    'delivery.results': topo.topic(partitions=12, description='DELIVERY_VERIFIED, DELIVERY_FAILED'),
    'notifications.outbox': topo.topic(partitions=12, description='Notifications for the bot notifier, keyed by recipient_id'),
    'reconciliation.triggers': topo.topic(partitions=1, description='Periodic reconciliation triggers (#financial #audit)'),
    'deal.deadlines': topo.topic(partitions=12, description='Deadline events for the deal timeout worker'),
    'deal.events.dlq': topo.topic(partitions=12, retention='30d', description='deal.events records the router could not process'),
  },
  nodes: {
    events: topo.source('deal.events', timestamp='parse_time(value.timestamp)', onError=topo.dlq('deal.events.dlq')),
    // Each state transition maps to at most one worker command.
    route: topo.branch('events', cases={
      watch_deposit: "value.to_status == 'AWAITING_DEPOSIT'",
      payout: "value.to_status == 'RELEASED'",
      refund: "value.to_status in ['CANCELLED', 'EXPIRED', 'REFUNDING']",
      publish: "value.to_status == 'FUNDED'",
      verify: "value.to_status == 'POSTED'",
    }, default=false),
    watch_cmd: topo.map('route.watch_deposit', value=command('WATCH_DEPOSIT')),
    payout_cmd: topo.map('route.payout', value=command('EXECUTE_PAYOUT')),
    refund_cmd: topo.map('route.refund', value=command('EXECUTE_REFUND')),
    escrow_cmds: topo.merge(['watch_cmd', 'payout_cmd', 'refund_cmd']),
    to_escrow: topo.sink('escrow_cmds', 'escrow.commands', key='value.deal_id'),

    publish_cmd: topo.map('route.publish', value=command('PUBLISH_POST')),
    verify_cmd: topo.map('route.verify', value=command('VERIFY_DELIVERY')),
    delivery_cmds: topo.merge(['publish_cmd', 'verify_cmd']),
    to_delivery: topo.sink('delivery_cmds', 'delivery.commands', key='value.deal_id'),

    // Events that name a recipient notify them, re-keyed by recipient_id.
    notify: topo.filter('events', 'value.payload.recipient_id != null'),
    notification: topo.map('notify', key='value.payload.recipient_id', value=|||
      {recipient_id: value.payload.recipient_id, deal_id: value.deal_id,
       kind: lower(value.event_type), status: value.to_status, at: value.timestamp}
    |||),
    to_notifications: topo.sink('notification', 'notifications.outbox'),
  },
  tests: [
    topo.test('a released deal becomes one payout command keyed by deal_id',
      inputs=[topo.record('deal.events', key='d-42', value={
        deal_id: 'd-42', event_type: 'DealReleased', from_status: 'DELIVERED', to_status: 'RELEASED',
        payload: { amount: '125.50' }, timestamp: '2025-01-15T10:30:00.000Z',
      })],
      expect=[topo.record('escrow.commands', key='d-42', value={
        deal_id: 'd-42', command: 'EXECUTE_PAYOUT', amount: '125.50', caused_by: 'DealReleased', at: '2025-01-15T10:30:00.000Z',
      }, timestamp=1736937000000)]),
    topo.test('funding triggers a post; posting triggers verification',
      inputs=[
        topo.record('deal.events', key='d-7', value={ deal_id: 'd-7', event_type: 'DealFunded', from_status: 'AWAITING_DEPOSIT', to_status: 'FUNDED', payload: {}, timestamp: '2025-01-15T10:30:00.000Z' }),
        topo.record('deal.events', key='d-7', value={ deal_id: 'd-7', event_type: 'PostPublished', from_status: 'FUNDED', to_status: 'POSTED', payload: {}, timestamp: '2025-01-15T10:31:00.000Z' }),
      ],
      expect=[
        topo.record('delivery.commands', key='d-7', value={ deal_id: 'd-7', command: 'PUBLISH_POST', amount: null, caused_by: 'DealFunded', at: '2025-01-15T10:30:00.000Z' }),
        topo.record('delivery.commands', key='d-7', value={ deal_id: 'd-7', command: 'VERIFY_DELIVERY', amount: null, caused_by: 'PostPublished', at: '2025-01-15T10:31:00.000Z' }),
      ]),
    topo.test('cancelled and expired deals are refunded; other transitions emit nothing',
      inputs=[
        topo.record('deal.events', key='d-1', value={ deal_id: 'd-1', event_type: 'DealCancelled', from_status: 'FUNDED', to_status: 'CANCELLED', payload: { amount: '10' }, timestamp: '2025-01-15T10:30:00Z' }),
        topo.record('deal.events', key='d-2', value={ deal_id: 'd-2', event_type: 'DealCreated', from_status: 'NONE', to_status: 'DRAFT', payload: {}, timestamp: '2025-01-15T10:30:00Z' }),
        topo.record('deal.events', key='d-3', value={ deal_id: 'd-3', event_type: 'DealExpired', from_status: 'AWAITING_DEPOSIT', to_status: 'EXPIRED', payload: {}, timestamp: '2025-01-15T10:30:00Z' }),
      ],
      expect=[
        topo.record('escrow.commands', key='d-1', value={ deal_id: 'd-1', command: 'EXECUTE_REFUND', amount: '10', caused_by: 'DealCancelled', at: '2025-01-15T10:30:00Z' }),
        topo.record('escrow.commands', key='d-3', value={ deal_id: 'd-3', command: 'EXECUTE_REFUND', amount: null, caused_by: 'DealExpired', at: '2025-01-15T10:30:00Z' }),
      ]),
    topo.test('notifications are re-keyed by recipient_id',
      inputs=[topo.record('deal.events', key='d-9', value={
        deal_id: 'd-9', event_type: 'DealAccepted', from_status: 'DRAFT', to_status: 'ACCEPTED',
        payload: { recipient_id: 'u-1001' }, timestamp: '2025-01-15T10:30:00Z',
      })],
      expect=[topo.record('notifications.outbox', key='u-1001', value={
        recipient_id: 'u-1001', deal_id: 'd-9', kind: 'dealaccepted', status: 'ACCEPTED', at: '2025-01-15T10:30:00Z',
      })]),
    topo.test('an event whose timestamp does not parse goes to the dead-letter topic untouched',
      inputs=[topo.record('deal.events', key='d-5', value={ deal_id: 'd-5', event_type: 'DealReleased', from_status: 'DELIVERED', to_status: 'RELEASED', payload: {}, timestamp: 'yesterday' })],
      expect=[topo.record('deal.events.dlq', key='d-5', value={ deal_id: 'd-5', event_type: 'DealReleased', from_status: 'DELIVERED', to_status: 'RELEASED', payload: {}, timestamp: 'yesterday' },
                          headers={ 'topo.node': 'events', 'topo.source.topic': 'deal.events' })]),
  ],
})
