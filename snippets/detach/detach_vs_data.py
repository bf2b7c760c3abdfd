"""In-place edits through detach() are caught; through .data they corrupt gradients.

Claims:
    detach.inplace-caught: An in-place change to a detached tensor bumps the
        version counter it shares with the original, so a later backward that
        needs the original's saved value raises a RuntimeError instead of
        computing a wrong gradient.
    detach.data-silent-wrong-grad: The same in-place change made through
        `.data` bumps only the separate version counter of the `.data` tensor,
        not the original's, so backward runs without complaint and returns a
        wrong gradient (zeros instead of `exp(x)`).

Counter-cases:
    detach.inplace-caught: `d = out.detach()  # shares storage and version counter with `out`` -> `d = out.detach().clone()`
    detach.data-silent-wrong-grad: `d = out.data  # same storage, but a version counter of its own` -> `d = out.detach()  # same storage, but a version counter of its own`
"""

# claim: detach.inplace-caught
# --8<-- [start:detach]
import torch

x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.exp()  # exp saves its output for backward
loss = out.sum()

d = out.detach()  # shares storage and version counter with `out`
d.zero_()  # an in-place change through the detached tensor
assert not d.requires_grad and d._version == 1
assert out._version == 1  # the change is recorded on the original too
try:
    loss.backward()
except RuntimeError as error:
    msg = str(error)
    print(msg[:msg.index(", which")])
    #> one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]]
    assert msg.startswith(
        "one of the variables needed for gradient computation has been "
        "modified by an inplace operation: [torch.FloatTensor [3]], which is "
        "output 0 of Exp"  # 2.13.0: "Exp,"; older releases: "ExpBackward0,"
    )
    assert "is at version 1; expected version 0 instead." in msg
# --8<-- [end:detach]

# claim: detach.data-silent-wrong-grad
# --8<-- [start:data]
import torch

x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
out = x.exp()
loss = out.sum()

d = out.data  # same storage, but a version counter of its own
d.zero_()
assert d._version == 1 and out._version == 0  # autograd cannot tell
loss.backward()  # no error ...
print(x.grad)
#> tensor([0., 0., 0.])
assert torch.equal(x.grad, torch.zeros(3))  # ... and a wrong gradient
assert not torch.allclose(x.grad, torch.tensor([0.0, 1.0, 2.0]).exp())  # correct one
# --8<-- [end:data]
