import { Command } from 'commander';
import { MnsSubscriptions, mnsEndpoint, type Subscription } from '../adapters/alerts/subscriptions.js';
import { TerminalError } from '../core/errors.js';
import { planSubscriptions } from '../core/subscription-plan.js';
import { type CliOut, explainError, runIfMain } from './cli-out.js';

interface AlertsEnv {
  client: MnsSubscriptions;
  topic: string;
  mailTopic: string | undefined;
  accountId: string;
  region: string;
}

const HELP = `
Subscriptions deliver SIMPLIFIED: the subscriber gets the message body itself (JSON for --http and --queue,
a readable text mail for --email), the severity in the x-mns-message-tag header. --tag keeps one severity.

Environment: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ACCOUNT_ID, REGION (or MNS_ENDPOINT),
ALERT_TOPIC [qlib-alerts], ALERT_MAIL_TOPIC (email; the functions need ALERT_MAIL_TOPIC and ALERT_MAIL_SENDER too).

Examples:
  $ npm run alerts -- subscribe --email ops@example.com --http https://hooks.example.com/qlib --queue qlib-inbox
  $ npm run alerts -- subscribe --email oncall@example.com --tag error
  $ npm run alerts -- list
  $ npm run alerts -- unsubscribe http-hooks-example-com-qlib`;

/** Run the command; resolves with the exit code (0 ok, 2 usage or bad input, 3 MNS refused, 5 MNS unreachable). */
export async function runAlertsCli(argv: string[], env: NodeJS.ProcessEnv, io: CliOut): Promise<number> {
  let code = 0;
  const program = new Command('npm run alerts --')
    .description('MNS subscriptions to the qlib-sync alert topics')
    .option('--json', 'one JSON document on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText('after', HELP);
  const json = () => program.opts<{ json?: boolean }>().json === true;
  const collect = (value: string, previous: string[]) => [...previous, value];
  program
    .command('subscribe')
    .description('subscribe email addresses, HTTP endpoints and queues (idempotent)')
    .option(
      '--email <address>',
      'an email address (DirectMail, on ALERT_MAIL_TOPIC); repeatable',
      collect,
      [],
    )
    .option('--http <url>', 'an HTTP(S) endpoint MNS POSTs each message to; repeatable', collect, [])
    .option(
      '--queue <name>',
      'an MNS queue of this account and region (created if missing); repeatable',
      collect,
      [],
    )
    .option('--tag <severity>', 'only messages of this severity: error, warn or info')
    .option('--name <name>', 'the subscription name (one endpoint only; default derived from it)')
    .action(
      async (options: { email: string[]; http: string[]; queue: string[]; tag?: string; name?: string }) => {
        const e = settings(env);
        const plans = planSubscriptions(options, e);
        const done: Array<Record<string, string>> = [];
        for (const p of plans) {
          const topic = p.topic === 'mail' ? mailTopic(e) : e.topic;
          const queue = /:queues\/(.+)$/.exec(p.endpoint)?.[1];
          if (queue !== undefined) await e.client.ensureQueue(queue);
          const result = await e.client.subscribe(topic, p);
          done.push({ topic, name: p.name, endpoint: p.endpoint, filterTag: p.filterTag ?? '', result });
          if (!json())
            io.out(
              `${result === 'created' ? 'subscribed' : 'already subscribed'}: ${p.name} → ${p.endpoint} (topic ${topic}${p.filterTag ? `, tag ${p.filterTag}` : ''})`,
            );
        }
        if (json()) io.out(JSON.stringify({ subscribed: done }));
      },
    );
  program
    .command('list')
    .description('the subscriptions of the alert topic (and the mail topic)')
    .action(async () => {
      const e = settings(env);
      const topics = [e.topic, ...(e.mailTopic === undefined ? [] : [e.mailTopic])];
      const all: Subscription[] = [];
      for (const t of topics) all.push(...(await e.client.list(t)));
      if (json()) io.out(JSON.stringify({ subscriptions: all }));
      else if (all.length === 0) io.out(`no subscriptions on ${topics.join(', ')}`);
      else
        for (const s of all)
          io.out(
            `${s.topic}  ${s.name}  ${s.endpoint}${s.filterTag ? `  tag=${s.filterTag}` : ''}  ${s.notifyContentFormat ?? ''}`,
          );
    });
  program
    .command('unsubscribe <name>')
    .description('remove a subscription (from the alert topic, or with --mail from the mail topic)')
    .option('--mail', 'the subscription is on ALERT_MAIL_TOPIC')
    .action(async (name: string, options: { mail?: boolean }) => {
      const e = settings(env);
      const topic = options.mail ? mailTopic(e) : e.topic;
      await e.client.unsubscribe(topic, name);
      io.out(
        json() ? JSON.stringify({ unsubscribed: { topic, name } }) : `unsubscribed ${name} from ${topic}`,
      );
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    code = explainError(error, io, (e) => (e.code.startsWith('MNS_') ? 3 : 2));
  }
  return code;
}

function settings(env: NodeJS.ProcessEnv): AlertsEnv {
  const missing = [
    'ALIBABA_CLOUD_ACCESS_KEY_ID',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'ACCOUNT_ID',
    'REGION',
  ].filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new TerminalError('ALERTS_CONFIG', `set ${missing.join(', ')} (see npm run alerts -- --help)`);
  }
  const accountId = env.ACCOUNT_ID as string;
  const region = env.REGION as string;
  const credentials = {
    accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID as string,
    accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET as string,
    securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined,
  };
  return {
    client: new MnsSubscriptions({
      endpoint: env.MNS_ENDPOINT || mnsEndpoint(accountId, region),
      credentials,
    }),
    topic: env.ALERT_TOPIC || 'qlib-alerts',
    mailTopic: env.ALERT_MAIL_TOPIC || undefined,
    accountId,
    region,
  };
}

function mailTopic(e: AlertsEnv): string {
  if (e.mailTopic === undefined) {
    throw new TerminalError(
      'ALERTS_CONFIG',
      'email needs ALERT_MAIL_TOPIC: the topic the functions publish mail to',
    );
  }
  return e.mailTopic;
}

runIfMain(import.meta.url, runAlertsCli);
