// topo.libsonnet — the topology DSL (docs/DESIGN.md §9). Bundled into the `topo`
// binary, so `import 'topo.libsonnet'` works from any directory.
//
// Every constructor checks its arguments with assert, so a misuse is reported
// by Jsonnet with the caller's file and line. The output is the JSON form of
// proto/topo/plan.proto; `topo describe --format json` shows it.
// std.all arrived after jsonnet 0.18 (Debian bookworm's); keep our own.
local all(xs) = std.foldl(function(acc, x) acc && x, xs, true);
local isStr(x) = std.isString(x);
local isStrOrNull(x) = x == null || std.isString(x);
local nonEmpty(x) = std.isString(x) && std.length(x) > 0;
local strList(x) = if std.isString(x) then [x] else x;
local prune(o) = { [k]: o[k] for k in std.objectFields(o) if o[k] != null };
local checkKeys(what, o, allowed) =
  local bad = [k for k in std.objectFields(o) if !std.member(allowed, k)];
  assert std.length(bad) == 0 : '%s: unknown field %s (allowed: %s)' % [what, std.join(', ', bad), std.join(', ', allowed)];
  true;

local errorPolicy(p) =
  if p == 'fail' then { fail: true }
  else if p == 'skip' then { skip: true }
  else if std.isObject(p) && std.objectHas(p, '__topo_policy') then p.policy
  else error "onError must be 'fail', 'skip', topo.dlq(topic) or topo.retry(...), got " + std.toString(p);

local node(inputs, onError, op) =
  assert std.isArray(inputs) && all([nonEmpty(i) for i in inputs]) : 'inputs must be node ids (strings)';
  { inputs: inputs, on_error: errorPolicy(onError) } + op;

local exprOrNull(what, x) =
  assert isStrOrNull(x) : what + ' must be an expression string, got ' + std.type(x);
  x;

local codec(what, c) =
  assert std.isString(c) : what + " must be a codec: 'json', 'string', 'bytes', 'int64' or topo.proto('pkg.Message'), got " + std.type(c);
  c;

{
  // ---- topology ----
  topology(name, spec)::
    assert nonEmpty(name) : 'topology name must be a non-empty string';
    assert std.isObject(spec) : 'topology spec must be an object';
    assert checkKeys('topology ' + name, spec, ['config', 'topics', 'nodes', 'tests']);
    assert std.objectHas(spec, 'nodes') : 'topology ' + name + ' has no nodes';
    prune({
      name: name,
      config: if std.objectHas(spec, 'config') then
        assert checkKeys('config', spec.config, ['guarantee', 'commit_interval_ms', 'application_id',
                                                 'buffered_records_per_partition', 'max_task_idle_ms']);
        assert !std.objectHas(spec.config, 'guarantee') || std.member(['exactly_once', 'at_least_once'], spec.config.guarantee) :
               "config.guarantee must be 'exactly_once' or 'at_least_once'";
        spec.config
      else null,
      topics: if std.objectHas(spec, 'topics') then spec.topics else {},
      nodes: spec.nodes,
      tests: if std.objectHas(spec, 'tests') then spec.tests else [],
    }),

  // A protobuf message type from proto/ as a topic's key or value codec.
  proto(message)::
    assert nonEmpty(message) : 'topo.proto needs a message name like "checkout.PaymentEvent"';
    'proto:' + message,

  topic(partitions=1, key='string', value='json', cleanup='delete', retention=null, schema=null, config={}, description=null)::
    assert std.isNumber(partitions) && partitions >= 1 && partitions == std.floor(partitions) : 'partitions must be a positive integer';
    assert std.member(['delete', 'compact'], cleanup) : "cleanup must be 'delete' or 'compact'";
    assert isStrOrNull(retention) : "retention must be a duration string like '30d'";
    assert schema == null || std.isObject(schema) : 'schema must be an object of field: type';
    assert std.isObject(config) : 'config must be an object of string values';
    prune({
      partitions: partitions,
      key: codec('key', key),
      value: codec('value', value),
      cleanup: cleanup,
      retention: retention,
      schema: schema,
      config: if std.length(config) > 0 then { [k]: std.toString(config[k]) for k in std.objectFields(config) } else null,
      description: description,
    }),

  // ---- error policies ----
  dlq(topic)::
    assert nonEmpty(topic) : 'topo.dlq needs a topic name';
    { __topo_policy: true, policy: { dlq: topic } },
  // `then` is a Jsonnet keyword, so what happens after the last attempt is
  // `andThen=` (or the second positional argument): topo.retry(['1s', '2s'], topo.dlq('x')).
  retry(delays=['1s', '2s', '4s'], andThen='fail')::
    assert std.isArray(delays) && std.length(delays) > 0 && all([isStr(d) for d in delays]) : "retry delays must be a non-empty array of durations like '1s'";
    { __topo_policy: true, policy: { retry: { delays: delays, 'then': errorPolicy(andThen) } } },

  // ---- stateless operators ----
  source(topics, key=null, value=null, timestamp=null, onError='fail')::
    local ts = strList(topics);
    assert std.isArray(ts) && std.length(ts) > 0 && all([nonEmpty(t) for t in ts]) : 'source needs a topic name or a list of topic names';
    node([], onError, { source: prune({ topics: ts, key: key, value: value, timestamp: exprOrNull('timestamp', timestamp) }) }),

  filter(input, where, onError='fail')::
    assert nonEmpty(where) : 'filter needs a where expression';
    node([input], onError, { filter: { where: where } }),

  map(input, value=null, key=null, onError='fail')::
    assert value != null || key != null : 'map needs value= and/or key=';
    node([input], onError, { map: prune({ value: exprOrNull('value', value), key: exprOrNull('key', key) }) }),

  flatMap(input, items, value=null, key=null, onError='fail')::
    assert nonEmpty(items) : 'flatMap needs an items expression yielding an array';
    node([input], onError, { flat_map: prune({ items: items, value: exprOrNull('value', value), key: exprOrNull('key', key) }) }),

  branch(input, cases, default=true, onError='fail')::
    assert std.isObject(cases) && std.length(cases) > 0 : 'branch needs cases={name: expression}';
    assert all([isStr(cases[c]) for c in std.objectFields(cases)]) : 'branch cases must be expression strings';
    assert std.isBoolean(default) : 'branch default must be true or false';
    node([input], onError, { branch: { cases: cases, default: default } }),

  merge(inputs, onError='fail')::
    assert std.isArray(inputs) && std.length(inputs) >= 2 : 'merge needs a list of at least two input ids';
    node(inputs, onError, { merge: {} }),

  rekey(input, key, onError='fail')::
    assert nonEmpty(key) : 'rekey needs a key expression';
    node([input], onError, { rekey: { key: key } }),

  sink(input, topic, key=null, value=null, partition=null, onError='fail')::
    assert nonEmpty(topic) : 'sink needs a topic name';
    node([input], onError, { sink: prune({ topic: topic, key: exprOrNull('key', key), value: exprOrNull('value', value), partition: exprOrNull('partition', partition) }) }),

  // ---- tests ----
  test(name, inputs=[], expect=[], stores=null, advance=null)::
    assert nonEmpty(name) : 'test needs a name';
    assert std.isArray(inputs) && std.isArray(expect) : 'test inputs= and expect= must be arrays of topo.record(...)';
    assert stores == null : 'test stores= is not supported yet';
    assert advance == null : 'test advance= is not supported yet';
    { name: name, inputs: inputs, expect: expect },

  // An exact decimal inside a test record: Jsonnet numbers are doubles, so
  // 123456789012345678.91 or any number of more than 15 digits must be
  // written topo.decimal('123456789012345678.91') to reach topo exactly.
  decimal(text)::
    assert std.isString(text) : "topo.decimal takes the number as a string: topo.decimal('16.49')";
    { '$topo.decimal': text },

  // The types of timestamp=, headers= and partition= (and whether key= and
  // value= fit the topic's codecs) are checked by `topo validate`, which
  // reports every mistyped record of every test with its line.
  record(topic, key=null, value=null, timestamp=null, headers={}, partition=null)::
    assert nonEmpty(topic) : 'record needs a topic';
    prune({
      topic: topic,
      key: key,
      value: value,
      timestamp: timestamp,
      headers: if headers == {} then null else headers,
      partition: partition,
    }),

}
