/**
 * The rsyslog sidecar's /etc/rsyslog.d, as production ships MediaWiki's logs: four pipelines, each
 * an input (a local UDP port or a php-fpm log file), a parser and a Kafka output on the
 * datacenter's logging brokers. Pure text; `rsyslogd -N1` judges it (validate/programs).
 */
import type { ResolvedRelease } from './resolved-release.js';

/** UDP port on 127.0.0.1 where MediaWiki and php-wmerrors send their logs (syslog with an `@cee:` JSON payload). */
export const MEDIAWIKI_LOG_PORT = 10514;
/** UDP port on 127.0.0.1 where httpd sends its access log (LOG_FORMAT ecs_rsyslog). */
export const ACCESS_LOG_PORT = 10200;
export const PHP_ERROR_LOG = '/var/log/php-fpm/error.log';
export const PHP_SLOWLOG = '/var/log/php-fpm/slowlog.log';
const RSYSLOG_D = '/etc/rsyslog.d';
/** Slowlog stack traces and MediaWiki's JSON exceptions exceed rsyslog's 8k default. */
const MAX_MESSAGE_SIZE = '64k';

/** The Kubernetes fields the templates stamp on every message (the container's env, from the downward API). */
export const KUBERNETES_ENV = {
  KUBERNETES_NAMESPACE: 'metadata.namespace',
  KUBERNETES_NODE: 'spec.nodeName',
  KUBERNETES_POD_NAME: 'metadata.name',
  KUBERNETES_RELEASE: "metadata.labels['release']",
  KUBERNETES_DEPLOYMENT: "metadata.labels['deployment']",
} as const;

type Input = { readonly udpPort: number } | { readonly file: string; readonly tag: string; readonly extra: readonly string[] };

interface Pipeline {
  /** The ruleset's name. */
  readonly ruleset: string;
  readonly comment: string;
  readonly input: Input;
  /**
   * How the message is parsed before it is shipped: JSON (after the `@cee:` cookie, or bare with
   * `bareJson`), or a normalizer rulebase.
   */
  readonly parse: { readonly json: string; readonly bareJson?: boolean } | { readonly rulebase: string };
  /** The Kafka topic: a name, or an rsyslog template string (dynamic topics). */
  readonly topic: string;
  /** The output template (10-templates.conf). */
  readonly template: string;
  /** The disk-assisted queue's file name. */
  readonly queue: string;
  /** The ruleset gets its own in-memory queue, so a slow Kafka holds back only this pipeline. */
  readonly ownQueue?: boolean;
}

function pipelines(release: ResolvedRelease): Pipeline[] {
  return [
    {
      ruleset: 'accesslog_to_kafka',
      comment: "httpd's access log, already ECS JSON: add the Kubernetes fields",
      input: { udpPort: ACCESS_LOG_PORT },
      // httpd writes bare JSON lines, without the @cee: cookie.
      parse: { json: 'mmjsonparse_accesslog', bareJson: true },
      topic: 'mediawiki.httpd.accesslog',
      template: 'ecs_1110_k8s',
      queue: 'accesslog',
    },
    {
      ruleset: 'slowlog_to_kafka',
      // php-fpm writes the blank line before each stack trace, so a message ends where the next begins.
      comment: "php-fpm's slowlog: one message per stack trace",
      input: { file: PHP_SLOWLOG, tag: 'php-fpm-slowlog', extra: ['startmsg.regex="^$"'] },
      parse: { rulebase: 'php-slowlog.rb' },
      topic: 'mediawiki.php-fpm.slowlog',
      template: 'slowlog',
      queue: 'slowlog',
    },
    {
      ruleset: 'errorlog_to_kafka',
      comment: "php-fpm's error log, to the topic of its severity",
      input: { file: PHP_ERROR_LOG, tag: 'php-fpm-error', extra: ['addMetadata="on"'] },
      parse: { rulebase: 'php-errorlog.rb' },
      topic: 'rsyslog-%syslogseverity-text::lowercase%',
      template: 'syslog_cee',
      queue: 'errorlog',
    },
    {
      ruleset: 'udp_localhost_to_kafka',
      comment: 'MediaWiki and php-wmerrors (php-fatal-error.php): syslog with an @cee: JSON payload',
      input: { udpPort: MEDIAWIKI_LOG_PORT },
      parse: { json: 'mmjsonparse_udp_localhost' },
      topic: `k8s-mw-${release.cluster.datacenter}`,
      template: 'syslog_cee',
      queue: 'udp_localhost_compat',
      ownQueue: true,
    },
  ];
}

function quoted(values: readonly string[]): string {
  return `[${values.map((v) => `"${v}"`).join(', ')}]`;
}

function pipelineText(p: Pipeline, brokers: readonly string[]): string {
  const topicTemplate = `${p.ruleset}-topic`;
  const parse = 'json' in p.parse ? `  action(type="mmjsonparse" name="${p.parse.json}"${p.parse.bareJson ? ' cookie=""' : ''})` : `  action(type="mmnormalize" rulebase="${RSYSLOG_D}/${p.parse.rulebase}")`;
  const input =
    'udpPort' in p.input
      ? `input(type="imudp" port="${p.input.udpPort}" address="127.0.0.1" ruleset="${p.ruleset}")`
      : `input(type="imfile" file="${p.input.file}" tag="${p.input.tag}" ${[...p.input.extra, `ruleset="${p.ruleset}"`].join(' ')})`;
  return [
    `# ${p.comment}`,
    `template(name="${topicTemplate}" type="string" string="${p.topic}")`,
    `ruleset(name="${p.ruleset}"${p.ownQueue ? ' queue.type="LinkedList"' : ''}) {`,
    parse,
    '  action(type="omkafka"',
    `    broker=${quoted(brokers)}`,
    `    topic="${topicTemplate}" dynatopic="on" dynatopic.cachesize="1000" partitions.auto="on"`,
    `    template="${p.template}"`,
    `    queue.type="LinkedList" queue.size="10000" queue.filename="${p.queue}"`,
    '    queue.highWatermark="7000" queue.lowWatermark="6000" queue.checkpointInterval="5"',
    `    confParam=${quoted(KAFKA_CLIENT_SETTINGS)})`,
    '}',
    input,
    '',
  ].join('\n');
}

/** librdkafka settings of every Kafka output: TLS with the Wikimedia CA, snappy, small batches. */
const KAFKA_CLIENT_SETTINGS = [
  'security.protocol=ssl',
  'ssl.ca.location=/etc/ssl/certs/wmf-ca-certificates.crt',
  'compression.codec=snappy',
  'socket.timeout.ms=60000',
  'socket.keepalive.enable=true',
  'queue.buffering.max.ms=50',
  'batch.num.messages=1000',
];

/** The Kubernetes fields, as template constants read from the environment when rsyslog starts. */
function kubernetesFields(style: 'ecs' | 'cee'): string[] {
  const env = (name: keyof typeof KUBERNETES_ENV) => `  constant(value=\`echo $${name}\`)`;
  const text = (value: string) => `  constant(value="${value.replaceAll('"', '\\"')}")`;
  if (style === 'cee') {
    return [
      text('"kubernetes": {"host":"'),
      env('KUBERNETES_NODE'),
      text('", "namespace_name":"'),
      env('KUBERNETES_NAMESPACE'),
      text('", "pod_name":"'),
      env('KUBERNETES_POD_NAME'),
      text('", "labels": {"deployment":"'),
      env('KUBERNETES_DEPLOYMENT'),
      text('", "release":"'),
      env('KUBERNETES_RELEASE'),
      text('"}}, '),
    ];
  }
  return [
    text('"host": {"name":"'),
    env('KUBERNETES_NODE'),
    text('"}, "orchestrator": {"type": "kubernetes", "namespace":"'),
    env('KUBERNETES_NAMESPACE'),
    text('", "resource": {"name":"'),
    env('KUBERNETES_POD_NAME'),
    text('"}}, "labels": {"deployment":"'),
    env('KUBERNETES_DEPLOYMENT'),
    text('", "release":"'),
    env('KUBERNETES_RELEASE'),
    text('"}, '),
  ];
}

/** A syslog property as a JSON field (`format="jsonf"`). */
function field(property: string, outname: string, extra = ''): string {
  return `  property(name="${property}" outname="${outname}" format="jsonf"${extra})`;
}

/** Output templates: what logstash reads from each topic. */
function templates(): string {
  const comma = '  constant(value=", ")';
  // `$!all-json` from position 2 drops its opening brace; the template opened its own.
  const allJson = '  property(name="$!all-json" position.from="2")';
  const list = (name: string, body: string[]) => [`template(name="${name}" type="list") {`, ...body, '}', ''].join('\n');
  return [
    '# Output templates. JSON built by hand: option.json would escape $!all-json.',
    list('ecs_1110_k8s', ['  constant(value="{")', ...kubernetesFields('ecs'), allJson]),
    list('syslog_cee', [
      '  constant(value="{")',
      field('timereported', 'timestamp', ' dateformat="rfc3339"'),
      comma,
      field('hostname', 'logsource'),
      comma,
      field('hostname', 'host'),
      comma,
      field('programname', 'program'),
      comma,
      field('syslogseverity-text', 'severity'),
      comma,
      field('syslogfacility-text', 'facility'),
      comma,
      ...kubernetesFields('cee'),
      allJson,
    ]),
    list('slowlog', [
      '  constant(value="{")',
      field('timereported', 'timestamp', ' dateformat="rfc3339"'),
      comma,
      field('syslogseverity', 'log.syslog.severity.code'),
      comma,
      field('syslogseverity-text', 'log.syslog.severity.name'),
      comma,
      field('syslogseverity-text', 'log.level'),
      comma,
      field('syslogfacility', 'log.syslog.facility.code'),
      comma,
      field('syslogfacility-text', 'log.syslog.facility.name'),
      comma,
      field('pri', 'log.syslog.priority'),
      comma,
      field('programname', 'service.type'),
      comma,
      '  constant(value="1.11.0" outname="ecs.version" format="jsonf")',
      comma,
      field('$!script_filename', 'log.origin.file.name'),
      comma,
      ...kubernetesFields('ecs'),
      // The top frame as an indexable file:function, then the whole trace (jsonr: PHP namespaces have backslashes).
      '  constant(value="\\"error\\": {\\"stack\\": {\\"head\\": \\"")',
      '  property(name="$!stack_head_file" format="jsonr")',
      '  constant(value=":")',
      '  property(name="$!stack_head_function" format="jsonr")',
      '  constant(value="\\"}, \\"stack_trace\\": \\"[")',
      '  property(name="$!stack_head_addr" format="jsonr")',
      '  constant(value="] ")',
      '  property(name="$!stack_head_function" format="jsonr")',
      '  constant(value=" ")',
      '  property(name="$!stack_head_file" format="jsonr")',
      '  property(name="$!stack_tail" format="jsonr")',
      '  constant(value="\\"}, \\"process\\": {")',
      field('$!pid', 'pid'),
      '  constant(value="}}\\n")',
    ]),
  ].join('\n');
}

/** liblognorm rulebases for php-fpm's two log formats. */
const RULEBASES = {
  'php-errorlog.rb': 'version=2\nrule=:[%date:char-to:]%]%-:whitespace%%message:rest%\n',
  'php-slowlog.rb': [
    'version=2',
    'rule=:%[',
    '    {"type": "literal", "text": "\\\\n["},',
    '    {"name": "date", "type": "char-to", "extradata": "]"},',
    '    {"type": "literal", "text": "]  [pool"},',
    '    {"name": "pool", "type": "char-to", "extradata": "]"},',
    '    {"type": "literal", "text": "] pid "},',
    '    {"name": "pid", "type": "number"},',
    '    {"type": "literal", "text": "\\\\n"},',
    '    {"type": "literal", "text": "script_filename = "},',
    '    {"name": "script_filename", "type": "string-to", "extradata": "\\\\n"},',
    '    {"type": "literal", "text": "\\\\n"},',
    '    {"type": "literal", "text": "["},',
    '    {"name": "stack_head_addr", "type": "char-to", "extradata": "]"},',
    '    {"type": "literal", "text": "] "},',
    '    {"name": "stack_head_function", "type": "word"},',
    '    {"type": "literal", "text": " "},',
    '    {"name": "stack_head_file", "type": "string-to", "extradata": "\\\\n"},',
    '    {"name": "stack_tail", "type": "rest"}',
    '    ]%',
    '',
  ].join('\n'),
};

/**
 * php-wmerrors' messages also go to udp2log, rate-limited unless the profile turns the limit off
 * (mw-debug, where every message matters). In rsyslog's own forwarding format, as production
 * sends them (its chart defines a wfDebugLog-style template but names the action after it instead
 * of using it).
 */
function udp2logText(release: ResolvedRelease): string {
  const { udp2log } = release.cluster.logging;
  const [host, port] = [udp2log.slice(0, udp2log.lastIndexOf(':')), udp2log.slice(udp2log.lastIndexOf(':') + 1)];
  const limit = release.profile.logging.udp2logRateLimit;
  return [
    '# php-wmerrors messages (program php7.x/php8.x) also go to udp2log',
    "if ($programname startswith 'php7.' or $programname startswith 'php8.') then {",
    `  action(type="omfwd" name="MediaWiki" target="${host}" port="${port}" protocol="udp"${limit ? ` ratelimit.interval="${limit.intervalSeconds}" ratelimit.burst="${limit.burst}"` : ''})`,
    '}',
    '',
  ].join('\n');
}

export function rsyslogConfig(release: ResolvedRelease): Record<string, string> {
  return {
    '00-max-message-size.conf': `$MaxMessageSize ${MAX_MESSAGE_SIZE}\n`,
    '10-templates.conf': templates(),
    '20-mediawiki.conf': [
      'module(load="imfile")',
      'module(load="mmjsonparse")',
      'module(load="mmnormalize")',
      'module(load="omkafka")',
      '',
      ...pipelines(release).map((p) => pipelineText(p, release.cluster.logging.kafkaBrokers)),
      udp2logText(release),
    ].join('\n'),
    ...RULEBASES,
  };
}
