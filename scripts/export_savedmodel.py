"""TensorFlow SavedModels for TF Serving, rebuilt from the project's ONNX models (npm run export:savedmodel).

Each ONNX graph is translated op by op into a tf.Module whose variables hold the ONNX initializers, so
the SavedModel computes the same function with the same weights (nothing is retrained). Its
`serving_default` signature has what the gateway's TF Serving client sends and reads
(services/protocols/tf-serving/client/client.ts, services/inference/remote.ts): the input
`float_input` (DT_FLOAT, [-1, n_features]) and the ONNX outputs by name (`probabilities`, DT_FLOAT
[-1, n_classes]; `label`, DT_INT64 [-1], where the ONNX model has one).

Writes, under --out (default models/tf):
  <name>/<version>/saved_model.pb + variables/   one TF Serving version directory per ONNX version
  models.config                                  the TF Serving model config (text proto)
  manifest.json                                  which ONNX file (sha256) each version was built from

Usage: .venv-tf/bin/python scripts/export_savedmodel.py [--out DIR] [--base-path /models] [--model NAME=FOLDER ...]
"""
import argparse
import filecmp
import hashlib
import json
import os
import re
import shutil
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

import onnx  # noqa: E402
from onnx import helper, numpy_helper  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name on TF Serving -> the folder whose numeric subfolders hold model.onnx, one per version.
SOURCES = {
    'iris_mlp': 'models/iris_mlp',  # the MLP `npm run train` writes (scripts/train.ts)
    'simple_classifier': 'models/registry/simple_classifier',  # seed 002's 2-feature model, registry versions
}
INPUT_NAME = 'float_input'


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = alpha * tf.linalg.matmul(a, b, transpose_a=bool(transA), transpose_b=bool(transB))
    return y if c is None else y + beta * c


def _argmax(x, axis=0, keepdims=1, select_last_index=0):
    if select_last_index:
        raise ValueError('ArgMax select_last_index=1 is not supported')
    y = tf.math.argmax(x, axis=axis, output_type=tf.int64)
    return tf.expand_dims(y, axis) if keepdims else y


# The ONNX ops the project's exporters emit (services/training/onnx-export.ts,
# services/training/retrain/simple-classifier.ts), with ONNX's semantics.
OPS = {
    'Add': lambda a, b: a + b,
    'Sub': lambda a, b: a - b,
    'Mul': lambda a, b: a * b,
    'Div': lambda a, b: a / b,
    'MatMul': lambda a, b: tf.linalg.matmul(a, b),
    'Gemm': _gemm,
    'Relu': tf.nn.relu,
    'Tanh': tf.math.tanh,
    'Sigmoid': tf.math.sigmoid,
    'Softmax': lambda x, axis=-1: tf.nn.softmax(x, axis=axis),
    'ArgMax': _argmax,
    'Identity': tf.identity,
}

DTYPES = {onnx.TensorProto.FLOAT: tf.float32, onnx.TensorProto.INT64: tf.int64}


class OnnxModule(tf.Module):
    """The ONNX graph's math in TensorFlow, its initializers as (non-trainable) variables."""

    def __init__(self, model):
        super().__init__(name='onnx_model')
        graph = model.graph
        for node in graph.node:
            if node.domain not in ('', 'ai.onnx') or node.op_type not in OPS:
                raise ValueError(f'ONNX op {node.domain or "ai.onnx"}.{node.op_type} has no TensorFlow translation here')
        inputs = [i for i in graph.input if i.name not in {t.name for t in graph.initializer}]
        if len(inputs) != 1 or inputs[0].name != INPUT_NAME:
            raise ValueError(f'expected one input named {INPUT_NAME}, got {[i.name for i in inputs]}')
        dims = inputs[0].type.tensor_type.shape.dim
        self.n_features = dims[1].dim_value
        self.weights = [tf.Variable(numpy_helper.to_array(t), trainable=False, name=t.name) for t in graph.initializer]
        self._names = [t.name for t in graph.initializer]
        self._nodes = [(n.op_type, list(n.input), list(n.output), _attrs(n)) for n in graph.node]
        self._outputs = [o.name for o in graph.output]
        self.serve = tf.function(self._run, input_signature=[tf.TensorSpec([None, self.n_features], tf.float32, name=INPUT_NAME)])

    def _run(self, float_input):
        env = dict(zip(self._names, self.weights))
        env[INPUT_NAME] = float_input
        for op, ins, outs, attrs in self._nodes:
            env[outs[0]] = OPS[op](*[env[i] for i in ins if i != ''], **attrs)
        return {name: env[name] for name in self._outputs}


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def versions(folder):
    """Numeric version folders holding a model.onnx, in version order."""
    path = os.path.join(ROOT, folder)
    if not os.path.isdir(path):
        return []
    found = [d for d in os.listdir(path) if d.isdigit() and os.path.isfile(os.path.join(path, d, 'model.onnx'))]
    return sorted(found, key=int)


MODEL_FILES = ['saved_model.pb', 'variables/variables.index', 'variables/variables.data-00000-of-00001']


def same_model(a, b):
    """The graph and the variables are byte-identical (the export is deterministic for a given TensorFlow)."""
    files = [os.path.join(a, f) for f in MODEL_FILES] + [os.path.join(b, f) for f in MODEL_FILES]
    return all(os.path.isfile(f) for f in files) and all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False) for f in MODEL_FILES)


def write_version(model_path, target):
    """Saves next to the target, then renames: TF Serving polls the folder and must never see a half-written version."""
    module = OnnxModule(onnx.load(model_path))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = os.path.join(os.path.dirname(target), f'.tmp-{os.path.basename(target)}')
    shutil.rmtree(tmp, ignore_errors=True)
    tf.saved_model.save(module, tmp, signatures={'serving_default': module.serve})
    if same_model(tmp, target):
        # Same bytes (only fingerprint.pb's random uuid would change): keep the existing version, so
        # git and a polling TF Serving see no change.
        shutil.rmtree(tmp)
        return False
    old = os.path.join(os.path.dirname(target), f'.old-{os.path.basename(target)}')
    if os.path.exists(target):
        os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    return True


def labels(folder, exported):
    """A registry folder's aliases (aliases.json) as TF Serving version labels, which must match [a-zA-Z0-9_]+."""
    path = os.path.join(ROOT, folder, 'aliases.json')
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        aliases = json.load(f)
    return {k: str(v) for k, v in sorted(aliases.items()) if str(v) in exported and re.fullmatch(r'[a-zA-Z0-9_]+', k)}


def model_config(manifest, base_path):
    """TF Serving's ModelServerConfig text proto: every exported version served, aliases as labels."""
    lines = ['# TF Serving model config (text proto ModelServerConfig), written by npm run export:savedmodel.',
             '# base_path is the path inside the TF Serving container (docker-compose.yml mounts models/tf at /models).',
             'model_config_list {']
    for name, entry in manifest['models'].items():
        lines += ['  config {', f'    name: "{name}"', f'    base_path: "{base_path}/{name}"', '    model_platform: "tensorflow"',
                  '    model_version_policy { all {} }']
        for label, version in entry['labels'].items():
            lines.append(f'    version_labels {{ key: "{label}" value: {version} }}')
        lines.append('  }')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(ROOT, 'models', 'tf'))
    parser.add_argument('--base-path', default='/models', help='where TF Serving sees --out (models.config base_path)')
    parser.add_argument('--model', action='append', metavar='NAME=FOLDER',
                        help='export FOLDER/<version>/model.onnx as NAME instead of the default models (repeatable)')
    args = parser.parse_args()
    sources = dict(SOURCES)
    if args.model:
        if not all('=' in m for m in args.model):
            parser.error('--model takes NAME=FOLDER')
        sources = dict(m.split('=', 1) for m in args.model)
    out = os.path.abspath(args.out)
    manifest = {'tensorflow': tf.__version__, 'onnx': onnx.__version__, 'models': {}}
    found = {name: versions(folder) for name, folder in sources.items()}
    for name, folder in sources.items():
        if not found[name]:
            sys.exit(f'export: no <version>/model.onnx under {folder}')
    for name, folder in sources.items():
        entry = {'versions': {}, 'labels': {}}
        for version in found[name]:
            source = f'{folder}/{version}/model.onnx'
            target = os.path.join(out, name, version)
            written = write_version(os.path.join(ROOT, source), target)
            entry['versions'][version] = {'source': source, 'onnx_sha256': sha256(os.path.join(ROOT, source))}
            print(f'export: {source} -> {os.path.relpath(target, ROOT)}{"" if written else " (unchanged)"}', file=sys.stderr)
        entry['labels'] = labels(folder, entry['versions'])
        # Versions no longer in the source are removed, so TF Serving does not keep serving them.
        for stale in os.listdir(os.path.join(out, name)):
            if stale not in entry['versions']:
                shutil.rmtree(os.path.join(out, name, stale))
        manifest['models'][name] = entry
    with open(os.path.join(out, 'models.config'), 'w') as f:
        f.write(model_config(manifest, args.base_path.rstrip('/')))
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        f.write(json.dumps(manifest, indent=2) + '\n')
    print(json.dumps(manifest))


if __name__ == '__main__':
    main()
