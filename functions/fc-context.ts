/**
 * The part of FC 3.0's handler `context` the functions use
 * (https://help.aliyun.com/zh/functioncompute/context): the request id (shared by async retries of one event),
 * the STS credentials of the function's role, and where it runs.
 */
export interface FcContext {
  requestId: string;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  region: string;
  accountId: string;
  function?: { name: string };
}
