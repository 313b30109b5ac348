"""Independent check of fsweep's engine against PyTorch (Debian's python3-torch): load MODEL.h5 into
a PyTorch definition of the CIFAR-style ResNet-18 (PAPER.md 4), run the images that `fsweep eval
--logits` ran, and compare logits. Usage: torch_parity.py MODEL.h5 LOGITS.h5 IMAGES.npy"""
import sys, h5py, numpy as np, torch, torch.nn as nn

class Basic(nn.Module):
    expansion = 1
    def __init__(s, cin, c, stride):
        super().__init__()
        s.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False); s.bn1 = nn.BatchNorm2d(c)
        s.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(c)
        s.downsample = nn.Sequential()
        if stride != 1 or cin != c:
            s.downsample = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))
    def forward(s, x):
        o = torch.relu(s.bn1(s.conv1(x))); o = s.bn2(s.conv2(o))
        return torch.relu(o + s.downsample(x))

class ResNet(nn.Module):
    def __init__(s, blocks, widths, cin, k):
        super().__init__()
        s.conv1 = nn.Conv2d(cin, widths[0], 3, 1, 1, bias=False); s.bn1 = nn.BatchNorm2d(widths[0])
        c = widths[0]
        for i, (n, w) in enumerate(zip(blocks, widths)):
            layers = []
            for j in range(n):
                layers.append(Basic(c, w, (1 if i == 0 else 2) if j == 0 else 1)); c = w
            setattr(s, f"layer{i+1}", nn.Sequential(*layers))
        s.fc = nn.Linear(c, k)
    def forward(s, x):
        o = torch.relu(s.bn1(s.conv1(x)))
        for i in range(4): o = getattr(s, f"layer{i+1}")(o)
        return s.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(o, 1), 1))

m5 = h5py.File(sys.argv[1], "r")
sd = {k: torch.as_tensor(np.array(m5["state_dict"][k])) for k in m5["state_dict"]}
w0 = sd["conv1.weight"].shape[0]
widths = [sd[f"layer{i}.0.conv1.weight"].shape[0] for i in range(1, 5)]
fc = [k for k in sd if k.endswith(".weight") and sd[k].dim() == 2][0]
model = ResNet([2, 2, 2, 2], widths, sd["conv1.weight"].shape[1], sd[fc].shape[0])
model.load_state_dict(sd, strict=True)  # every name and shape must match
model.eval()
x = torch.as_tensor(np.load(sys.argv[3]))
mean = torch.tensor(m5.attrs["mean"]).view(1, -1, 1, 1).float(); std = torch.tensor(m5.attrs["std"]).view(1, -1, 1, 1).float()
with torch.no_grad():
    z = model((x - mean) / std).numpy()
ref = np.array(h5py.File(sys.argv[2], "r")["logits"])
err = np.abs(z - ref).max() / (np.abs(ref).max() + 1e-12)
print(f"logits {ref.shape}: max rel diff vs PyTorch {err:.2e}; argmax agree {np.mean(z.argmax(1) == ref.argmax(1)):.3f}")
sys.exit(0 if err < 1e-4 else 1)
