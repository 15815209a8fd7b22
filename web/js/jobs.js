// Following a job: poll GET /jobs/<id> with If-None-Match, the server's Retry-After as the first
// pause and a backoff up to 10 s after that; stop when the job ends (or the page leaves).

import { call } from "./api.js";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);
const LONGEST_PAUSE_MS = 10000;

export function isFinal(job) {
  return FINAL.has(job.state);
}

// Resolves with the finished job; `onChange(job)` sees every new state and progress.
export function followJob(job, onChange = () => {}, signal = null) {
  return new Promise((resolve, reject) => {
    let pause = 1000;
    let etag = null;
    onChange(job);
    if (isFinal(job)) {
      resolve(job);
      return;
    }
    const tick = async () => {
      if (signal && signal.aborted) {
        reject(new DOMException("Stopped following the job", "AbortError"));
        return;
      }
      try {
        const answer = await call("GET", `/jobs/${job.id}`, {
          withStatus: true,
          headers: etag ? { "If-None-Match": etag } : {},
        });
        if (answer.status === 200 && answer.body) {
          etag = answer.headers.get("ETag");
          job = answer.body;
          onChange(job);
          if (isFinal(job)) {
            resolve(job);
            return;
          }
          const hint = Number(answer.headers.get("Retry-After"));
          if (hint > 0) pause = Math.max(pause, hint * 500);
        }
      } catch (error) {
        if (error.status !== 304) {
          reject(error);
          return;
        }
      }
      pause = Math.min(LONGEST_PAUSE_MS, Math.round(pause * 1.5));
      setTimeout(tick, pause);
    };
    setTimeout(tick, 500);
  });
}
