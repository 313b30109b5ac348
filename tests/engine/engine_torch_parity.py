"""fsweep's architectures against PyTorch definitions of the same networks (README "Model files"):
load each MODEL.h5 by state_dict names (strict) and compare logits with `fsweep eval --logits` on
the same images. Usage: engine_torch_parity.py DIR (holding NAME.h5, NAME_z.h5 and x.npy)."""
import sys, h5py, numpy as np, torch, torch.nn as nn, torchvision
from torchvision.models.resnet import ResNet, Bottleneck

d = sys.argv[1]
x = torch.as_tensor(np.load(f"{d}/x.npy"))
bad = 0

def run(name, model):
    global bad
    f = h5py.File(f"{d}/{name}.h5", "r")
    sd = {k: torch.as_tensor(np.array(f["state_dict"][k])) for k in f["state_dict"]}
    model.load_state_dict(sd, strict=True)
    model.eval()
    mean = torch.tensor(f.attrs["mean"]).view(1, -1, 1, 1).float()
    std = torch.tensor(f.attrs["std"]).view(1, -1, 1, 1).float()
    with torch.no_grad():
        z = model((x - mean) / std).numpy()
    ref = np.array(h5py.File(f"{d}/{name}_z.h5", "r")["logits"])
    err = np.abs(z - ref).max() / (np.abs(ref).max() + 1e-12)
    ok = err < 1e-4
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max rel diff vs PyTorch {err:.2e}")

# vit: torchvision's VisionTransformer (1-channel patch embedding)
vit = torchvision.models.VisionTransformer(image_size=32, patch_size=4, num_layers=2, num_heads=2,
                                           hidden_dim=32, mlp_dim=128, num_classes=3)
vit.conv_proj = nn.Conv2d(1, 32, 4, 4)
run("vit", vit)

# vgg16 at width 1/8: torchvision's make_layers with batch norm, GAP, one Linear
layers, c = [], 1
for v in [8, 8, "M", 16, 16, "M", 32, 32, 32, "M", 64, 64, 64, "M", 64, 64, 64, "M"]:
    if v == "M":
        layers.append(nn.MaxPool2d(2, 2))
    else:
        layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(True)]
        c = v

class VGG(nn.Module):
    def __init__(s):
        super().__init__()
        s.features = nn.Sequential(*layers)
        s.classifier = nn.Linear(64, 3)
    def forward(s, x):
        return s.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(s.features(x), 1), 1))
run("vgg16", VGG())

# alexnet (PAPER.md 4 small-image variant) at width 1/8
ch = [12, 32, 48, 48, 32]
class Alex(nn.Module):
    def __init__(s):
        super().__init__()
        s.features = nn.Sequential(
            nn.Conv2d(1, ch[0], 3, 2, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(ch[0]), nn.MaxPool2d(2),
            nn.Conv2d(ch[0], ch[1], 3, 1, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(ch[1]), nn.MaxPool2d(2),
            nn.Conv2d(ch[1], ch[2], 3, 1, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(ch[2]),
            nn.Conv2d(ch[2], ch[3], 3, 1, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(ch[3]),
            nn.Conv2d(ch[3], ch[4], 3, 1, 1, bias=False), nn.ReLU(), nn.BatchNorm2d(ch[4]), nn.MaxPool2d(2))
        s.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(ch[4] * 4, 512, bias=False), nn.ReLU(),
                                     nn.Dropout(0.5), nn.Linear(512, 512, bias=False), nn.ReLU(),
                                     nn.Linear(512, 3, bias=False))
    def forward(s, x):
        return s.classifier(torch.flatten(s.features(x), 1))
run("alexnet", Alex())

# resnet50 at width 1/8: torchvision's Bottleneck (stride on the 3x3), CIFAR stem
class R50(ResNet):
    def __init__(s):
        nn.Module.__init__(s)
        s._norm_layer, s.inplanes, s.dilation, s.groups, s.base_width = nn.BatchNorm2d, 8, 1, 1, 64
        s.conv1 = nn.Conv2d(1, 8, 3, 1, 1, bias=False)
        s.bn1, s.relu, s.maxpool = nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.Identity()
        s.layer1 = s._make_layer(Bottleneck, 8, 3)
        s.layer2 = s._make_layer(Bottleneck, 16, 4, stride=2)
        s.layer3 = s._make_layer(Bottleneck, 32, 6, stride=2)
        s.layer4 = s._make_layer(Bottleneck, 64, 3, stride=2)
        s.avgpool, s.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(256, 3)
run("resnet50", R50())
sys.exit(1 if bad else 0)
