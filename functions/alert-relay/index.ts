import { chatRobots } from '../../adapters/chat/robots.js';
import { type FunctionConfig, parseFunctionConfig } from '../../core/config.js';
import { createLogger, type Logger } from '../../core/logger.js';
import { type HttpReply, relay } from './relay.js';

let config: FunctionConfig | undefined;
let logger: Logger | undefined;

/**
 * FC 3.0 handler of the optional alert relay (s.yaml, HTTP trigger): subscribe its URL to the alert topic
 * (`npm run alerts -- subscribe --http '<url>?token=<RELAY_TOKEN>'`) and every alert reaches the DingTalk, WeCom and
 * Feishu robots configured with RELAY_* (docs/monitor.md, "Chat robots").
 */
export const handler = async (event: Buffer): Promise<HttpReply> => {
  config ??= parseFunctionConfig(process.env);
  logger ??= createLogger({
    write: (line) => process.stdout.write(line),
    now: () => new Date(),
    level: config.logLevel,
    context: { fn: 'alert-relay' },
  });
  const robots = chatRobots({
    dingTalkUrl: config.relayDingtalkUrl,
    dingTalkSecret: config.relayDingtalkSecret,
    weComUrl: config.relayWecomUrl,
    feishuUrl: config.relayFeishuUrl,
    feishuSecret: config.relayFeishuSecret,
    now: () => new Date(),
  });
  return relay({ robots, token: config.relayToken, logger }, event);
};
