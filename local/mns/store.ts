import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MnsApiError } from './api-error.js';
import type {
  MnsState,
  PublishedMessage,
  QueueAttributes,
  QueueState,
  SubscriptionState,
  TopicState,
} from './model.js';

const STATE_FILE = 'mns-state.json';

export type CreateOutcome = 'created' | 'unchanged';

/**
 * Topics, subscriptions, queues (with their messages) and the publish log, in memory. With a root
 * directory the whole state is written to `<root>/mns-state.json` after every change (write to a temp
 * file, then rename, so a reader never sees half a file) and read back at start, so the demo can
 * inspect it and a restarted server keeps its topics and queued messages.
 */
export class MnsStore {
  private constructor(
    readonly state: MnsState,
    private readonly root: string | undefined,
  ) {}

  static open(root?: string): MnsStore {
    if (root === undefined) return new MnsStore(emptyState(), undefined);
    mkdirSync(root, { recursive: true });
    return new MnsStore(readState(join(root, STATE_FILE)), root);
  }

  save(): void {
    if (this.root === undefined) return;
    const file = join(this.root, STATE_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state, null, 2));
    renameSync(temp, file);
  }

  topic(name: string): TopicState {
    const topic = this.state.topics[name];
    if (topic === undefined) throw MnsApiError.topicNotExist();
    return topic;
  }

  queue(name: string): QueueState {
    const queue = this.state.queues[name];
    if (queue === undefined) throw MnsApiError.queueNotExist();
    return queue;
  }

  findQueue(name: string): QueueState | undefined {
    return this.state.queues[name];
  }

  subscription(topic: string, name: string): SubscriptionState {
    this.topic(topic);
    const subscription = this.state.subscriptions[`${topic}/${name}`];
    if (subscription === undefined) throw MnsApiError.subscriptionNotExist();
    return subscription;
  }

  subscriptionsOf(topic: string): SubscriptionState[] {
    return Object.values(this.state.subscriptions).filter((s) => s.topic === topic);
  }

  /** CreateTopic: 201 when new, 204 when identical, 409 when the attributes differ. */
  createTopic(topic: TopicState): CreateOutcome {
    const existing = this.state.topics[topic.name];
    if (existing !== undefined) {
      const same =
        existing.maximumMessageSize === topic.maximumMessageSize &&
        existing.loggingEnabled === topic.loggingEnabled;
      if (!same) throw MnsApiError.alreadyExists('Topic');
      return 'unchanged';
    }
    this.state.topics[topic.name] = topic;
    this.state.published[topic.name] ??= [];
    return 'created';
  }

  /** DeleteTopic also removes the topic's subscriptions; the publish log is kept for inspection. */
  deleteTopic(name: string): void {
    delete this.state.topics[name];
    for (const key of Object.keys(this.state.subscriptions)) {
      if (this.state.subscriptions[key]?.topic === name) delete this.state.subscriptions[key];
    }
  }

  subscribe(subscription: SubscriptionState): CreateOutcome {
    this.topic(subscription.topic);
    const key = `${subscription.topic}/${subscription.name}`;
    const existing = this.state.subscriptions[key];
    if (existing !== undefined) {
      const same =
        existing.endpoint === subscription.endpoint &&
        existing.filterTag === subscription.filterTag &&
        existing.notifyStrategy === subscription.notifyStrategy &&
        existing.notifyContentFormat === subscription.notifyContentFormat;
      if (!same) throw MnsApiError.alreadyExists('Subscription');
      return 'unchanged';
    }
    this.state.subscriptions[key] = subscription;
    return 'created';
  }

  unsubscribe(topic: string, name: string): void {
    this.topic(topic);
    delete this.state.subscriptions[`${topic}/${name}`];
  }

  createQueue(queue: QueueState): CreateOutcome {
    const existing = this.state.queues[queue.name];
    if (existing !== undefined) {
      if (!sameQueueAttributes(existing, queue)) throw MnsApiError.alreadyExists('Queue');
      return 'unchanged';
    }
    this.state.queues[queue.name] = queue;
    return 'created';
  }

  deleteQueue(name: string): void {
    delete this.state.queues[name];
  }

  recordPublish(message: PublishedMessage): void {
    const log = this.state.published[message.topic] ?? [];
    log.push(message);
    this.state.published[message.topic] = log;
  }
}

const QUEUE_ATTRIBUTE_KEYS: ReadonlyArray<keyof QueueAttributes> = [
  'delaySeconds',
  'maximumMessageSize',
  'messageRetentionPeriod',
  'visibilityTimeout',
  'pollingWaitSeconds',
  'loggingEnabled',
];

function sameQueueAttributes(a: QueueAttributes, b: QueueAttributes): boolean {
  return QUEUE_ATTRIBUTE_KEYS.every((key) => a[key] === b[key]);
}

function emptyState(): MnsState {
  return { topics: {}, subscriptions: {}, queues: {}, published: {} };
}

function readState(file: string): MnsState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  return { ...emptyState(), ...(JSON.parse(text) as Partial<MnsState>) };
}
