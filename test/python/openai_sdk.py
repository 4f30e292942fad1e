"""Runs the official OpenAI Python SDK against the gateway's OpenAI-compatible routes.

argv: <base url, e.g. http://127.0.0.1:PORT/v1> <phase: "up" (Ollama reachable) or "down">
stdout: JSON with what the SDK returned or raised for each call.
"""
import json
import sys

import openai
from openai import OpenAI

base_url, phase = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=30)
out = {"sdk_version": openai.__version__}


def error(call):
    """The SDK exception a call raised: its class chain, HTTP status and the parsed error body."""
    try:
        call()
    except openai.APIStatusError as e:
        return {"classes": [c.__name__ for c in type(e).__mro__ if c.__module__.startswith("openai")],
                "status": e.status_code, "body": e.body}
    return None


def user(text):
    return [{"role": "user", "content": text}]


def completion(**kwargs):
    r = client.chat.completions.create(model="tinyllama", **kwargs)
    return {"id": r.id, "object": r.object, "model": r.model, "content": r.choices[0].message.content,
            "role": r.choices[0].message.role, "finish_reason": r.choices[0].finish_reason, "usage": r.usage.model_dump(exclude_none=True)}


if phase == "up":
    out["plain"] = completion(messages=user("plain question"))
    chunks = list(client.chat.completions.create(model="tinyllama", messages=user("stream question"), stream=True))
    out["stream"] = {
        "text": "".join(c.choices[0].delta.content or "" for c in chunks if c.choices),
        "first_role": chunks[0].choices[0].delta.role,
        "finish_reasons": [c.choices[0].finish_reason for c in chunks if c.choices],
        "usage": [c.usage.model_dump(exclude_none=True) if c.usage else None for c in chunks],
    }
    chunks = list(client.chat.completions.create(model="tinyllama", messages=user("usage question"), stream=True,
                                                 stream_options={"include_usage": True}))
    out["stream_usage"] = {"last_choices": chunks[-1].choices, "usage": chunks[-1].usage.model_dump(exclude_none=True)}

    out["parts"] = completion(messages=[{"role": "developer", "content": "Be terse."},
                                        {"role": "user", "content": [{"type": "text", "text": "first part"},
                                                                     {"type": "text", "text": "second part"}]}])
    out["params"] = completion(messages=user("params question"), max_completion_tokens=7, stop=["\n\n", "END"], seed=42,
                               temperature=0, response_format={"type": "json_object"})

    e = client.embeddings.create(model="all-minilm", input=["What is AI?", "Hello"])  # SDK default: base64
    out["embeddings_default"] = {"dims": [len(d.embedding) for d in e.data], "head": e.data[0].embedding[:4],
                                 "types": sorted({type(x).__name__ for x in e.data[0].embedding}),
                                 "usage": e.usage.model_dump(), "model": e.model}
    raw = client.embeddings.with_raw_response.create(model="all-minilm", input="What is AI?")
    out["embeddings_wire"] = type(json.loads(raw.http_response.text)["data"][0]["embedding"]).__name__
    f = client.embeddings.create(model="all-minilm", input="What is AI?", encoding_format="float")
    out["embeddings_float"] = {"dims": len(f.data[0].embedding), "head": f.data[0].embedding[:4]}

    out["models"] = [m.model_dump() for m in client.models.list()]

    out["not_found"] = error(lambda: client.chat.completions.create(model="gpt-4", messages=user("x")))
    out["bad_request"] = error(lambda: client.chat.completions.create(model="tinyllama", messages=[]))
    out["too_long"] = error(lambda: client.chat.completions.create(model="tinyllama", messages=user("x" * 100_000)))
    out["too_long_embedding"] = error(lambda: client.embeddings.create(model="all-minilm", input="y" * 100_000))
    out["image_part"] = error(lambda: client.chat.completions.create(model="tinyllama", messages=[
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]))
else:
    out["chat_down"] = error(lambda: client.chat.completions.create(model="tinyllama", messages=user("x")))
    out["embeddings_down"] = error(lambda: client.embeddings.create(model="all-minilm", input="x"))
    out["models_down"] = error(lambda: client.models.list())

print(json.dumps(out, default=str))
