"""Writes a tiny BERT-shaped sentence encoder (model.onnx + tokenizer.json) into argv[1] and prints
its vocabulary and weight tables as JSON, so the test can compute the expected embeddings itself.
Built with onnx.helper: last_hidden_state = (E[input_ids] + T[token_type_ids]) * attention_mask."""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'what', 'is', 'ai', 'artificial', 'intelligence', '?',
         'explain', 'to', 'me', 'un', '##able', 'hello', 'world', 'cafe', 'not', 'dark', 'mode']
vocab = {w: i for i, w in enumerate(words)}
hidden = 8
rng = np.random.default_rng(3)
E = np.round(rng.normal(size=(len(words), hidden)), 3).astype(np.float32)
# Synonyms get nearby rows, so "what is ai?" and "what is artificial intelligence?" embed close
# together (a semantic hit) while a negation word moves the mean only a little (the guard's job).
for syn in ('artificial', 'intelligence'):
    E[vocab[syn]] = np.round(E[vocab['ai']] + rng.normal(size=hidden) * 0.05, 3)
E[vocab['not']] = np.round(E[vocab['is']] + rng.normal(size=hidden) * 0.05, 3)
T = np.round(rng.normal(size=(2, hidden)) * 0.1, 3).astype(np.float32)

ids = helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'seq'])
mask = helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'seq'])
types = helper.make_tensor_value_info('token_type_ids', TensorProto.INT64, ['batch', 'seq'])
hs = helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'seq', hidden])
nodes = [
    helper.make_node('Gather', ['E', 'input_ids'], ['tok']),
    helper.make_node('Gather', ['T', 'token_type_ids'], ['typ']),
    helper.make_node('Add', ['tok', 'typ'], ['emb']),
    helper.make_node('Cast', ['attention_mask'], ['maskf'], to=TensorProto.FLOAT),
    helper.make_node('Unsqueeze', ['maskf', 'axis'], ['mask3']),
    helper.make_node('Mul', ['emb', 'mask3'], ['last_hidden_state']),
]
inits = [numpy_helper.from_array(E, 'E'), numpy_helper.from_array(T, 'T'), numpy_helper.from_array(np.array([-1], dtype=np.int64), 'axis')]
graph = helper.make_graph(nodes, 'tiny_encoder', [ids, mask, types], [hs], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, f'{out}/model.onnx')

tokenizer = {
    'version': '1.0',
    'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True, 'strip_accents': None, 'lowercase': True},
    'pre_tokenizer': {'type': 'BertPreTokenizer'},
    'post_processor': {'type': 'BertProcessing', 'sep': ['[SEP]', 3], 'cls': ['[CLS]', 2]},
    'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': vocab},
}
with open(f'{out}/tokenizer.json', 'w') as f:
    json.dump(tokenizer, f)
print(json.dumps({'vocab': vocab, 'E': E.tolist(), 'T': T.tolist()}))
