local topo = import 'topo.libsonnet';
topo.topology('wide', {
  topics: { a: topo.topic(schema={ status: 'string' }) },
  nodes: {
    src: topo.source('a'),
    f: topo.filter('src', "value.status == 'S000' || value.status == 'S001' || value.status == 'S002' || value.status == 'S003' || value.status == 'S004' || value.status == 'S005' || value.status == 'S006' || value.status == 'S007' || value.status == 'S008' || value.status == 'S009' || value.status == 'S010' || value.status == 'S011' || value.stauts == 'x'"),
  },
})
