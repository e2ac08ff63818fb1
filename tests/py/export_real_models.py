"""Exports the dynamic-axes fixtures with the real tools (run once by a developer, not by CI):
torch's two exporters, transformers models built from tiny configs with random weights (no hub
downloads), onnxruntime's transformer optimizer, onnxslim, torchvision and skl2onnx. The files
are committed under tests/models/exports/ (each well under 4 MB); CI reads them and judges every
declared dim with onnxruntime (tests/py/axes_truth.py) in the same run as onnx-lens.

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch==2.7.1 torchvision==0.22.1 \
        transformers==4.52.4 onnx==1.23.2 onnxruntime==1.32.0 onnxscript==0.7.2 onnxslim==0.1.98 \
        scikit-learn==1.9.1 skl2onnx==1.20.0 pandas
    /tmp/tv/bin/python tests/py/export_real_models.py tests/models/exports

(torch 2.5.1 with onnxscript 0.1.0 could not translate BertModel with dynamo=True: aten_expand
with symbolic sizes; 2.7.1 can.)

  bert_legacy       BertModel, torch.onnx.export(dynamo=False, dynamic_axes batch/sequence)
  gpt2_legacy       GPT2Model, the same
  bert_dynamo       BertModel, torch.onnx.export(dynamo=True, dynamic_shapes batch/sequence)
  gpt2_dynamo       GPT2Model, the same
  bert_ort_opt      bert_legacy through onnxruntime.transformers.optimizer (Attention, SkipLayerNormalization)
  gpt2_ort_opt      gpt2_legacy through it
  bert_slim         bert_legacy through onnxslim
  cnn_dynamic_hw    torchvision MobileNetV2 (width 0.25), dynamic batch, height and width
  reshape_lost      a CNN whose forward does x.reshape(int(x.shape[0]), -1): batch really lost
  lstm_const_state  an LSTM whose initial state is zeros(1, 2, hidden): batch lost, sequence dynamic
  traced_seq_block  an attention block whose head split views (b, 16, heads, hd): seq lost, batch dynamic
  sklearn_two_inputs  ColumnTransformer over two inputs whose batch dims are unnamed, + LogisticRegression
  sklearn_two_inputs_unk  the same with the batch dims named unk__1, unk__2 (as tf2onnx names unknown dims)
  distilbert, t5_encoder, llama  more transformers encoders (legacy exporter)
  vit_hw            ViTModel with height and width declared dynamic: lost at the position embeddings
  wav2vec2          conv feature extractor over audio samples
  unetish           a skip connection: height and width dynamic in even steps
  flatten_batch_seq x.reshape(b * s, d): a product of symbols
  gru_bidirectional a bidirectional GRU, batch_first
  gpt2_with_past    a GPT-2 step with its KV cache as inputs (the mask's length is past + sequence)
"""
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
OPSET = 17


def path(name):
    return os.path.join(OUT, name + ".onnx")


def legacy(model, args, name, input_names, output_names, dynamic_axes):
    torch.onnx.export(model, args, path(name), dynamo=False, opset_version=OPSET, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic_axes)


def transformers_models():
    from transformers import BertConfig, BertModel, GPT2Config, GPT2Model

    bert = BertModel(BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=64, max_position_embeddings=64)).eval()
    gpt2 = GPT2Model(GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64,
                                use_cache=False)).eval()
    ids = torch.randint(0, 100, (2, 8))
    mask = torch.ones(2, 8, dtype=torch.int64)
    types = torch.zeros(2, 8, dtype=torch.int64)
    bs = {0: "batch", 1: "sequence"}
    legacy(bert, (ids, mask, types), "bert_legacy", ["input_ids", "attention_mask", "token_type_ids"],
           ["last_hidden_state", "pooler_output"],
           {"input_ids": bs, "attention_mask": bs, "token_type_ids": bs,
            "last_hidden_state": bs, "pooler_output": {0: "batch"}})

    class Gpt2Hidden(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state

    legacy(Gpt2Hidden(gpt2).eval(), (ids, mask), "gpt2_legacy", ["input_ids", "attention_mask"],
           ["last_hidden_state"], {"input_ids": bs, "attention_mask": bs, "last_hidden_state": bs})

    from torch.export import Dim
    batch, seq = Dim("batch", min=1, max=64), Dim("sequence", min=2, max=60)
    for name, model, args, names in [
        ("bert_dynamo", bert, (ids, mask, types), ["input_ids", "attention_mask", "token_type_ids"]),
        ("gpt2_dynamo", Gpt2Hidden(gpt2).eval(), (ids, mask), ["input_ids", "attention_mask"]),
    ]:
        try:
            prog = torch.onnx.export(model, args, dynamo=True, input_names=names,
                                     dynamic_shapes=tuple({0: batch, 1: seq} for _ in args))
            prog.save(path(name))
        except Exception as e:  # the dynamo exporter is young: say which model it could not export
            print(f"{name}: the dynamo exporter failed: {type(e).__name__}: {str(e)[:300]}", file=sys.stderr)
            raise

    from onnxruntime.transformers.optimizer import optimize_model
    for src, kind, dst in [("bert_legacy", "bert", "bert_ort_opt"), ("gpt2_legacy", "gpt2", "gpt2_ort_opt")]:
        opt = optimize_model(path(src), model_type=kind, num_heads=4, hidden_size=32, opt_level=1)
        opt.save_model_to_file(path(dst))

    import onnxslim
    import onnx
    onnx.save(onnxslim.slim(onnx.load(path("bert_legacy"))), path("bert_slim"))


def vision_models():
    import torchvision
    cnn = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10).eval()
    legacy(cnn, (torch.randn(1, 3, 64, 64),), "cnn_dynamic_hw", ["images"], ["logits"],
           {"images": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}})

    class ReshapeLost(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.fc = nn.Linear(4 * 8 * 8, 10)

        def forward(self, x):
            y = torch.relu(self.conv(x))
            return self.fc(y.reshape(int(y.shape[0]), -1))  # int() freezes the traced batch

    legacy(ReshapeLost().eval(), (torch.randn(2, 3, 8, 8),), "reshape_lost", ["x"], ["y"],
           {"x": {0: "batch"}, "y": {0: "batch"}})

    class LstmConstState(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 12)
            self.head = nn.Linear(12, 3)

        def forward(self, x):
            h0 = torch.zeros(1, 2, 12)  # batch 2 written into the initial state
            out, _ = self.lstm(x, (h0, h0))
            return self.head(out)

    legacy(LstmConstState().eval(), (torch.randn(5, 2, 6),), "lstm_const_state", ["x"], ["y"],
           {"x": {0: "sequence", 1: "batch"}, "y": {0: "sequence", 1: "batch"}})

    class TracedSeqBlock(nn.Module):
        def __init__(self, d=64, heads=4):
            super().__init__()
            self.heads, self.hd = heads, d // heads
            self.ln = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)

        def forward(self, x):
            b = x.shape[0]
            q, k, v = self.qkv(self.ln(x)).chunk(3, dim=-1)
            # The sequence length written as the number it had at export (16): a traced constant.
            split = lambda t: t.view(b, 16, self.heads, self.hd).transpose(1, 2)
            q, k, v = split(q), split(k), split(v)
            att = torch.softmax(q @ k.transpose(-1, -2) / self.hd ** 0.5, dim=-1)
            y = (att @ v).transpose(1, 2).reshape(b, 16, self.heads * self.hd)
            return x + self.proj(y)

    legacy(TracedSeqBlock().eval(), (torch.randn(2, 16, 64),), "traced_seq_block", ["x"], ["y"],
           {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})


def sklearn_models():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.uniform(18, 80, 60).astype(np.float32),
                       "income": rng.uniform(1e3, 1e5, 60).astype(np.float32)})
    y = (df.age * 1000 + rng.normal(0, 5e3, 60) > df.income * 0.5).astype(int)
    pipe = Pipeline([("prep", ColumnTransformer([("a", StandardScaler(), ["age"]),
                                                 ("i", StandardScaler(), ["income"])])),
                     ("clf", LogisticRegression())]).fit(df, y)
    onx = convert_sklearn(pipe, initial_types=[("age", FloatTensorType([None, 1])),
                                               ("income", FloatTensorType([None, 1]))],
                          target_opset={"": OPSET, "ai.onnx.ml": 3}, options={id(pipe): {"zipmap": False}})
    with open(path("sklearn_two_inputs"), "wb") as f:
        f.write(onx.SerializeToString())
    # The same with the batch dims named as tf2onnx names dims it does not know (unk__N), one
    # name per input: still one batch the graph forces equal.
    for k, i in enumerate(onx.graph.input):
        i.type.tensor_type.shape.dim[0].dim_param = f"unk__{k + 1}"
    with open(path("sklearn_two_inputs_unk"), "wb") as f:
        f.write(onx.SerializeToString())


def more_models():
    """Architectures whose exports break symbolic analysis in other ways."""
    from transformers import (DistilBertConfig, DistilBertModel, LlamaConfig, LlamaModel, T5Config,
                              T5EncoderModel, ViTConfig, ViTModel, Wav2Vec2Config, Wav2Vec2Model)
    ids = torch.randint(0, 100, (2, 8))
    mask = torch.ones(2, 8, dtype=torch.int64)
    bs = {0: "batch", 1: "sequence"}
    text = {"input_ids": bs, "attention_mask": bs}
    legacy(DistilBertModel(DistilBertConfig(vocab_size=100, dim=32, n_layers=2, n_heads=4, hidden_dim=64,
                                            max_position_embeddings=64)).eval(),
           (ids, mask), "distilbert", ["input_ids", "attention_mask"], ["last_hidden_state"], text)
    legacy(T5EncoderModel(T5Config(vocab_size=100, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4)).eval(),
           (ids, mask), "t5_encoder", ["input_ids", "attention_mask"], ["last_hidden_state"], text)
    legacy(LlamaModel(LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                                  use_cache=False)).eval(),
           (ids, mask), "llama", ["input_ids", "attention_mask"], ["last_hidden_state"], text)
    # A ViT's position embeddings hold 17 tokens (a 32 px image in 8 px patches): height and width
    # declared dynamic are really lost, batch is not (the class token's expand(b, -1, -1)).
    vit = ViTModel(ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                             image_size=32, patch_size=8)).eval()
    legacy(vit, (torch.randn(2, 3, 32, 32),), "vit_hw", ["pixel_values"], ["last_hidden_state", "pooler_output"],
           {"pixel_values": {0: "batch", 2: "height", 3: "width"}})
    legacy(Wav2Vec2Model(Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                        intermediate_size=64, conv_dim=(16, 16), conv_stride=(5, 2),
                                        conv_kernel=(10, 3), num_conv_pos_embeddings=16,
                                        num_conv_pos_embedding_groups=4)).eval(),
           (torch.randn(2, 1600),), "wav2vec2", ["audio"], ["last_hidden_state"], {"audio": {0: "batch", 1: "samples"}})

    class UNetish(nn.Module):
        """A skip connection: height and width must stay even (dynamic in steps)."""

        def __init__(self):
            super().__init__()
            self.d1 = nn.Conv2d(3, 8, 3, padding=1)
            self.d2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.out = nn.Conv2d(16, 2, 1)

        def forward(self, x):
            a = torch.relu(self.d1(x))
            return self.out(torch.cat([a, self.up(torch.relu(self.d2(a)))], 1))

    legacy(UNetish().eval(), (torch.randn(1, 3, 32, 32),), "unetish", ["x"], ["y"],
           {"x": {0: "batch", 2: "height", 3: "width"}})

    class FlattenBatchSeq(nn.Module):
        """x.reshape(b * s, d): the product of two symbols tract's algebra gives up on."""

        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(16, 4)

        def forward(self, x):
            b, s, d = x.shape
            return self.fc(x.reshape(b * s, d)).reshape(b, s, 4)

    legacy(FlattenBatchSeq().eval(), (torch.randn(2, 5, 16),), "flatten_batch_seq", ["x"], ["y"],
           {"x": {0: "batch", 1: "seq"}})

    class BiGru(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(8, 16, batch_first=True, bidirectional=True)

        def forward(self, x):
            return self.gru(x)[0]

    legacy(BiGru().eval(), (torch.randn(2, 5, 8),), "gru_bidirectional", ["x"], ["y"], {"x": {0: "batch", 1: "seq"}})

    from transformers import GPT2Config, GPT2Model
    from transformers.cache_utils import DynamicCache

    class Gpt2WithPast(nn.Module):
        """A decoder step with its KV cache as inputs: the mask's length is past + sequence."""

        def __init__(self):
            super().__init__()
            self.m = GPT2Model(GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64))

        def forward(self, input_ids, attention_mask, k0, v0, k1, v1):
            cache = DynamicCache.from_legacy_cache(((k0, v0), (k1, v1)))
            return self.m(input_ids=input_ids, attention_mask=attention_mask, past_key_values=cache,
                          use_cache=True).last_hidden_state

    past = {0: "batch", 2: "past_sequence"}
    legacy(Gpt2WithPast().eval(), (torch.randint(0, 100, (2, 3)), torch.ones(2, 8, dtype=torch.int64),
                                   *[torch.randn(2, 4, 5, 8) for _ in range(4)]),
           "gpt2_with_past", ["input_ids", "attention_mask", "k0", "v0", "k1", "v1"], ["last_hidden_state"],
           {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "total_sequence"},
            "k0": past, "v0": past, "k1": past, "v1": past})


transformers_models()
vision_models()
sklearn_models()
more_models()
for f in sorted(os.listdir(OUT)):
    print(f, os.path.getsize(os.path.join(OUT, f)))
