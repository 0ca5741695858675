"""Training throughput: the library's loop against a plain PyTorch loop.

Both train the same model with Adam at batch 60 for the same number of
iterations, in the same run:

* library:    ``ramanujan_lth.networks.train.train`` (data held as tensors on the device,
  batches indexed there, masks applied every step);
* dataloader: a torchvision dataset with ``ToTensor`` + ``Normalize`` behind a
  ``torch.utils.data.DataLoader`` (shuffle, batch 60, no workers), the loop
  most tutorials write.

Prints samples per second for each and their ratio (target: >= 2x for LeNet
on a CPU).

    python benchmarks/train_throughput.py [--device cpu] [--lenet-iters 600] [--conv4-iters 15]
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
import torchvision
import torchvision.transforms as T
from ramanujan_lth import prune
from ramanujan_lth.networks.data import DATASETS, _cifar_class, data_root, load_dataset, pick_device
from ramanujan_lth.networks.models import build_model
from ramanujan_lth.networks.train import train


def dataloader_loop(model, dataset, iterations, device, lr):
    loader = torch.utils.data.DataLoader(dataset, batch_size=60, shuffle=True, num_workers=0, drop_last=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.to(device).train()
    it = 0
    while it < iterations:
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()
            it += 1
            if it >= iterations:
                break


def torchvision_dataset(name):
    spec = DATASETS[name]
    tf = T.Compose([T.ToTensor(), T.Normalize(spec.mean, spec.std)])
    if name == "mnist":
        return torchvision.datasets.MNIST(str(data_root()), train=True, transform=tf)
    return _cifar_class(False)(str(data_root()), train=True, transform=tf)


def timed(fn):
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default=None)
    ap.add_argument("--lenet-iters", type=int, default=600)
    ap.add_argument("--conv4-iters", type=int, default=15)
    args = ap.parse_args()
    device = pick_device(args.device)
    print(f"device: {device}, torch threads: {torch.get_num_threads()}")
    print(f"{'model':14} {'iters':>6} {'library samples/s':>18} {'dataloader samples/s':>21} {'ratio':>6}")
    for model_name, ds_name, iters, lr in [
        ("lenet_300_100", "mnist", args.lenet_iters, 1.2e-3),
        ("conv4", "cifar10", args.conv4_iters, 3e-4),
    ]:
        data = load_dataset(ds_name, device=device, quiet=True)
        tv = torchvision_dataset(ds_name)
        # warm up both paths once
        train(build_model(model_name, seed=0), data, 3, lr, progress=False)
        dataloader_loop(build_model(model_name, seed=0), tv, 3, device, lr)
        masks = {n: m.to(device) for n, m in prune.ones_masks(build_model(model_name)).items()}
        t_lib = timed(lambda: train(build_model(model_name, seed=0), data, iters, lr, masks=masks, progress=False))
        t_dl = timed(lambda: dataloader_loop(build_model(model_name, seed=0), tv, iters, device, lr))
        n = iters * 60
        print(f"{model_name:14} {iters:6d} {n / t_lib:18.0f} {n / t_dl:21.0f} {t_dl / t_lib:6.2f}")


if __name__ == "__main__":
    main()
