// Recording a spoken answer in the browser: MediaRecorder for the audio, an analyser for the
// level meter (so a student sees the microphone works). The recording stays in memory until the
// upload succeeds, so a failed upload can be retried without recording again.

export class MicrophoneError extends Error {}

function preferredType() {
  const types = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
  return types.find((type) => window.MediaRecorder && MediaRecorder.isTypeSupported(type)) || "";
}

export class Recorder {
  constructor(onLevel) {
    this.onLevel = onLevel;
    this.chunks = [];
    this.stream = null;
    this.recorder = null;
    this.context = null;
    this.frame = null;
  }

  async start() {
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      throw new MicrophoneError("This browser cannot record audio. Use a current Chrome, Edge, Firefox or Safari.");
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      const refused = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      throw new MicrophoneError(
        refused
          ? "The microphone was refused. Allow this site to use the microphone (the icon in the address bar), then try again."
          : "No microphone was found. Connect one, then try again.",
      );
    }
    this.chunks = [];
    const type = preferredType();
    this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : {});
    this.recorder.ondataavailable = (event) => {
      if (event.data && event.data.size) this.chunks.push(event.data);
    };
    this.recorder.start(250);
    this.meter();
  }

  meter() {
    this.context = new AudioContext();
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    this.context.createMediaStreamSource(this.stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const draw = () => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
      this.onLevel(Math.min(1, peak / 100));
      this.frame = requestAnimationFrame(draw);
    };
    draw();
  }

  stop() {
    return new Promise((resolve) => {
      if (!this.recorder || this.recorder.state === "inactive") {
        resolve(null);
        return;
      }
      this.recorder.onstop = () => {
        const blob = new Blob(this.chunks, { type: this.recorder.mimeType || "audio/webm" });
        this.release();
        resolve(blob);
      };
      this.recorder.stop();
    });
  }

  release() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.stream?.getTracks().forEach((track) => track.stop());
    this.context?.close();
    this.onLevel(0);
  }
}

export function extensionFor(blob) {
  if (blob.type.includes("ogg")) return "answer.ogg";
  if (blob.type.includes("mp4")) return "answer.m4a";
  return "answer.webm";
}
