"""Simplified Chinese for the Gallery, Evaluate, Model and Class pages, the views inside the network, the charts,
the comparison of runs and the sidebar's run lines (merged into mnist_demo.web.zh.ZH), and the engine messages
those pages can show (added to zh.ERRORS). Terms as in zh.py: 训练, 测试, 准确率, 损失, 卷积层, 池化层, 全连接层,
学习率, 批大小, 轮 (epoch), 特征图, 神经元, 混淆矩阵."""

ZH_PAGES: dict[str, str] = {
    # Fashion-MNIST's classes (mnist_demo.data.CLASS_NAMES), shown through i18n.class_names
    "T-shirt/top": "T恤/上衣",
    "Trouser": "裤子",
    "Pullover": "套头衫",
    "Dress": "连衣裙",
    "Coat": "外套",
    "Sandal": "凉鞋",
    "Shirt": "衬衫",
    "Sneaker": "运动鞋",
    "Bag": "包",
    "Ankle boot": "短靴",
    "MNIST demo": "MNIST 演示",  # the browser tab's title
    "Choose runs": "选择几次训练",
    # Gallery
    "A random batch of 32 images, the first 20 shown, as in the tutorial. Label under each image, and what the model "
    "reads; its mistakes are framed in red.":
        "随机取一批 32 张图像，和教程一样显示前 20 张。每张图下方是标签和模型的识别结果；认错的图加了红框。",
    "Images from": "图像来自",
    "Training set": "训练集",
    "Test set": "测试集",
    "New batch": "换一批",
    "Showing the {n} MNIST test images shipped in `assets/`: the full dataset is not here.\n\n{why}\n\nOn a "
    "machine with internet the app downloads it by itself.":
        "这里没有完整的数据集，显示的是 `assets/` 中自带的 {n} 张 MNIST 测试图像。\n\n{why}\n\n在能上网的电脑上，"
        "应用会自动下载它。",
    "Batch shape: `{images}`, labels `{labels}`": "这一批的形状：`{images}`，标签 `{labels}`",
    "{name} reads {right} of these 20 right. Label · prediction.":
        "{name} 认对了这 20 张中的 {right} 张。标签 · 识别结果。",
    # Evaluate
    "Testing the model on the test set…": "正在测试集上测试模型……",
    "{true} read right: {count} images": "{true} 认对：{count} 张",
    "{true} mistaken for {pred}: {count} images": "{true} 被认成 {pred}：{count} 张",
    "**{acc:.2%}** of {n:,} test images right, test loss {loss:.4f}.":
        "{n:,} 张测试图像中认对了 **{acc:.2%}**，测试损失 {loss:.4f}。",
    "Cell": "格子",
    "Rows: the true digit. Columns: what the model said. Click a cell, or pick one on the right.":
        "行：真实的数字。列：模型给出的答案。点一个格子，或在右边选一个。",
    "**{n}** images: true **{true}**, read as **{pred}**": "**{n}** 张图像：真实为 **{true}**，被认作 **{pred}**",
    " (first {n} shown)": "（显示前 {n} 张）",
    "The active model on the whole test set: which digits it confuses, and the images behind each mistake.":
        "当前模型在整个测试集上的表现：它把哪些数字弄混了，以及每种错误背后的图像。",
    "Follow the training run": "跟随正在进行的训练",
    "Redrawn after each epoch of the run in progress.": "正在进行的训练每完成一轮就重新绘制。",
    "The first epoch is still training: the matrix appears when it ends.":
        "第一轮还在训练：这一轮结束后会显示混淆矩阵。",
    "{name}, after epoch {epoch} of {epochs}.": "{name}，第 {epoch}/{epochs} 轮之后。",
    "No model yet: train one on the Train page.": "还没有模型：请在“训练”页训练一个。",
    "Model: {name}.": "模型：{name}。",
    " Only the {n} test images shipped in `assets/` are here; put the full set in place for all 10,000.":
        "这里只有 `assets/` 中自带的 {n} 张测试图像；放好完整的数据集即可使用全部 10,000 张。",
    # charts
    "predicted": "识别为",
    "true": "真实",
    "true %{y}, predicted %{x}: %{customdata} images<extra></extra>":
        "真实 %{y}，识别为 %{x}：%{customdata} 张<extra></extra>",
    "Accuracy per class": "每一类的准确率",
    "Test accuracy": "测试准确率",
    "Test loss": "测试损失",
    "Train accuracy": "训练准确率",
    "Train loss": "训练损失",
    # Model page
    "How the network is built": "网络是怎样搭建的",
    "The tutorial's CNN: two convolution layers that find strokes and shapes, then two fully connected layers that "
    "decide which digit it is.":
        "教程中的卷积神经网络：两个卷积层找出笔画和形状，再由两个全连接层判断是哪个数字。",
    "Why **26**? A 3 × 3 filter fits 26 times across 28 pixels (28 − 3 + 1). Why **13**? Max-pool keeps one number "
    "per 2 × 2 square: 26 / 2. Then 13 − 3 + 1 = **11**, and 11 is odd: five 2 × 2 squares fit, the last row and "
    "column are left out, so **5**. The last feature maps are 64 × 5 × 5: **1600** numbers go into the first fully "
    "connected layer. ReLU follows conv1, conv2 and fc1; softmax comes last, only to turn scores into probabilities. "
    "(The tutorial applies ReLU before each max-pool; this code max-pools first, which gives the same numbers with a "
    "quarter of the ReLU work: ReLU never changes which of four numbers is the largest.)":
        "为什么是 **26**？3 × 3 的卷积核在 28 个像素上能放 26 个位置（28 − 3 + 1）。为什么是 **13**？最大池化在每个"
        " 2 × 2 方块里只保留一个数：26 / 2。然后 13 − 3 + 1 = **11**，11 是奇数：只能放下五个 2 × 2 方块，最后一行和"
        "最后一列被舍去，所以是 **5**。最后的特征图是 64 × 5 × 5：共 **1600** 个数送入第一个全连接层。conv1、conv2 和"
        " fc1 之后都有 ReLU；softmax 在最后，只用来把分数变成概率。（教程在每次最大池化之前做 ReLU；这份代码先做最大"
        "池化，结果相同，而 ReLU 的计算量只有四分之一：ReLU 不会改变四个数中哪个最大。）",
    "Every layer": "每一层",
    "- conv1: 32 filters × (1 × 3 × 3 weights + 1 bias) = **320**\n"
    "- conv2: 64 filters × (32 × 3 × 3 weights + 1 bias) = **18,496**\n"
    "- fc1: 1600 × 64 weights + 64 biases = **102,464**\n"
    "- fc2: 64 × 10 weights + 10 biases = **650**\n"
    "- total: **121,930** numbers, all learned from the examples.":
        "- conv1：32 个卷积核 × （1 × 3 × 3 个权重 + 1 个偏置）= **320**\n"
        "- conv2：64 个卷积核 × （32 × 3 × 3 个权重 + 1 个偏置）= **18,496**\n"
        "- fc1：1600 × 64 个权重 + 64 个偏置 = **102,464**\n"
        "- fc2：64 × 10 个权重 + 10 个偏置 = **650**\n"
        "- 合计：**121,930** 个数，全部从样本中学来。",
    "Glossary": "术语表",
    "Convolution": "卷积",
    "A small window of weights (a filter, or kernel) slides over the image. Where the pixels under it look like the "
    "filter's pattern, say a vertical stroke, it gives a big number. Each filter makes its own feature map: a picture "
    "of where its pattern is.":
        "一个由权重组成的小窗口（滤波器，也叫卷积核）在图像上滑动。窗口下的像素越像它的图案（比如一道竖笔），得到的数就"
        "越大。每个卷积核生成自己的特征图：一张显示它的图案出现在哪里的图。",
    "ReLU": "ReLU",
    "Keeps positive numbers and turns negative ones into 0. Without it, the layers together could only compute "
    "straight-line (linear) rules, and digits need curves.":
        "保留正数，把负数变成 0。没有它，所有层叠在一起也只能算出直线式的（线性）规则，而数字需要曲线。",
    "Pooling (max-pool)": "池化（最大池化）",
    "Looks at each 2 × 2 square and keeps only the largest number. The map gets half as wide, and a stroke that "
    "moves by a pixel still counts.":
        "查看每个 2 × 2 方块，只保留其中最大的数。特征图的宽度减半，笔画移动一个像素也照样算数。",
    "Fully connected (linear)": "全连接（线性）",
    "Every input number is connected to every output with its own weight. The last one turns 64 numbers into 10 "
    "scores, one for each digit.":
        "每个输入的数都以自己的权重连到每个输出。最后一个全连接层把 64 个数变成 10 个分数，每个数字一个。",
    "Softmax": "Softmax",
    "Turns the 10 scores into probabilities that add up to 100 %.": "把 10 个分数变成加起来等于 100 % 的概率。",
    "Parameters": "参数",
    "The weights and biases. Training changes them, a tiny step at a time, so that the right digit gets the highest "
    "score.":
        "权重和偏置。训练一小步一小步地改变它们，让正确的数字得到最高的分数。",
    "Epoch": "轮次",
    "One pass over all 60,000 training images.": "把全部 60,000 张训练图像完整过一遍。",
    "Batch": "批",
    "The few images (the batch size: 32 in the tutorial) the network looks at before each step. One epoch of 60,000 "
    "images at batch 32 is 1,875 steps.":
        "网络每走一步之前看的那几张图像（数量就是批大小：教程中是 32）。60,000 张图像、批大小 32，一轮就是 1,875 步。",
    "How wrong the network is, as one number: the cross-entropy, small when it gives the right digit a high "
    "probability. Training lowers it; about 2.3 means guessing among 10.":
        "用一个数表示网络错得有多厉害：交叉熵，网络给正确数字的概率越高，它就越小。训练会让它降低；约 2.3 就是在 10 个"
        "数字里瞎猜。",
    "The share of images whose highest score is the right digit. Training accuracy is measured on the images it "
    "learns from, test accuracy on 10,000 it never learns from: the honest one.":
        "得分最高的恰好是正确数字的图像所占的比例。训练准确率是在它学习用的图像上测的，测试准确率是在它从没学过的 "
        "10,000 张图像上测的：后者才是实话。",
    "The rule that turns the gradient (which way each weight should move to lower the loss) into a step: SGD takes a "
    "plain step against it; Adam scales each weight's step by how its gradients have varied.":
        "把梯度（每个权重往哪个方向移动才能降低损失）变成一步的规则：SGD 直接逆着梯度走一步；Adam 按每个权重的梯度"
        "以往的变化来调整它的步长。",
    "How big each step is. Too small: learning crawls. Too big: the loss explodes.":
        "每一步有多大。太小：学得像爬。太大：损失会爆炸。",
    "Momentum": "动量",
    "SGD with a memory: each step keeps 0.9 of the previous one, so steps build up speed along a steady direction and "
    "jitter less.":
        "带记忆的 SGD：每一步保留上一步的 0.9，所以沿着稳定的方向越走越快，抖动也更小。",
    "Schedule": "学习率调度",
    "How the learning rate changes during the run: constant (the tutorial), cosine (it falls smoothly to nearly 0), "
    "or one-cycle (it rises, then falls).":
        "训练过程中学习率怎样变化：不变（教程的做法）、余弦（平滑地降到接近 0），或单周期（先升后降）。",
    "Label smoothing": "标签平滑",
    "The network is trained towards, say, 95.5 % on the right digit and 0.5 % on each other instead of 100 %, so it "
    "stops pushing its scores apart once it is right.":
        "训练目标不是让正确数字得到 100 %，而是比如 95.5 %，其余每个数字各 0.5 %，这样网络一旦答对，就不再一味拉大"
        "分数的差距。",
    "Augmentation": "数据增强",
    "Training images changed a little at random each time they are seen: shifted, tilted, scaled, strokes made "
    "thicker or thinner, so the network learns digits as people draw them.":
        "训练图像每次被用到时都随机改动一点：平移、倾斜、缩放、笔画加粗或变细，让网络学会人们实际写出的数字。",
    "The number that fixes the random start (the first weights, the order of the images): the same seed and "
    "settings give the same run.":
        "决定随机起点（最初的权重、图像的顺序）的数：相同的随机种子和设置会得到相同的训练过程。",
    # the network's table and walkthrough (Model and Train pages)
    "layer": "层",
    "kind": "类型",
    "output shape": "输出形状",
    "parameters": "参数个数",
    "total": "合计",
    "**1 × 28 × 28** image → conv1 3 × 3, ReLU → **32 × 26 × 26** → max-pool 2 × 2 → **32 × 13 × 13** → conv2 "
    "3 × 3, ReLU → **64 × 11 × 11** → max-pool 2 × 2 → **64 × 5 × 5** → flatten: 64 × 5 × 5 = **1600** → fc1, "
    "ReLU → **64** → fc2 → **10** scores → softmax → 10 probabilities, one per digit. (Shapes as PyTorch prints "
    "them: channels × height × width.)":
        "**1 × 28 × 28** 的图像 → conv1 3 × 3，ReLU → **32 × 26 × 26** → 最大池化 2 × 2 → **32 × 13 × 13** → conv2 "
        "3 × 3，ReLU → **64 × 11 × 11** → 最大池化 2 × 2 → **64 × 5 × 5** → 展平：64 × 5 × 5 = **1600** → fc1，"
        "ReLU → **64** → fc2 → **10** 个分数 → softmax → 10 个概率，每个数字一个。（形状按 PyTorch 的打印方式："
        "通道 × 高 × 宽。）",
    "{m} min {s:02d} s": "{m} 分 {s:02d} 秒",
    "{s} s": "{s} 秒",
    # the Model page's picture of the network
    "No model to show values with yet.": "还没有可以用来显示数值的模型。",
    "your last drawing": "你最近写的数字",
    "a test digit (draw one on the Draw page to see yours)": "一个测试数字（在“手写”页写一个，就能看到你自己的）",
    "The values of {where}, read as {digit} ({p:.0%}). Every square is one number, drawn to scale; a stack holds one "
    "card per 8 channels, with the channel that varies most in front. Shapes as PyTorch prints them: channels × "
    "height × width.":
        "{where}的数值，被认作 {digit}（{p:.0%}）。每个小方块是一个数，按比例绘制；每一叠中每 8 个通道画一张卡片，"
        "变化最大的通道放在最前面。形状按 PyTorch 的打印方式：通道 × 高 × 宽。",
    "input": "输入",
    "- **{name}** ({shape}): {what}.": "- **{name}**（形状 {shape}）：{what}。",
    "{name}, channel {c}: %{{z:.3f}}<extra></extra>": "{name}，第 {c} 个通道：%{{z:.3f}}<extra></extra>",
    "map %{customdata}<extra></extra>": "第 %{customdata} 个特征图<extra></extra>",
    "row %{y}, column %{x}: %{customdata:.4f}<extra></extra>":
        "第 %{y} 行，第 %{x} 列：%{customdata:.4f}<extra></extra>",
    "row %{y}, column %{x}: %{z:.4f}<extra></extra>": "第 %{y} 行，第 %{x} 列：%{z:.4f}<extra></extra>",
    "input channel %{x}: %{y:.4f}<extra></extra>": "输入通道 %{x}：%{y:.4f}<extra></extra>",
    "fc1 unit %{customdata}: %{marker.color:.3f}<extra></extra>": "fc1 第 %{customdata} 个单元：%{marker.color:.3f}"
                                                                  "<extra></extra>",
    # the network's steps (mnist_demo.insight.architecture.stages), through term()
    "conv 3×3 + ReLU": "卷积 3×3 + ReLU",
    "max-pool": "最大池化",
    "flatten, fc + ReLU": "展平，全连接 + ReLU",
    "fc": "全连接",
    "softmax": "softmax",
    "the drawing, 28 × 28 grey levels from 0 (black) to 1 (white)":
        "手写的图像，28 × 28 个灰度值，从 0（黑）到 1（白）",
    "32 filters of 3 × 3 slide over the image; ReLU keeps the positive sums":
        "32 个 3 × 3 的卷积核在图像上滑动；ReLU 保留正的和",
    "each 2 × 2 square keeps its largest value": "每个 2 × 2 方块保留其中最大的值",
    "64 filters of 32 × 3 × 3, each reading all 32 maps; ReLU":
        "64 个 32 × 3 × 3 的卷积核，每个都读取全部 32 个特征图；ReLU",
    "2 × 2 squares again; 11 is odd, so the last row and column are dropped":
        "再次取 2 × 2 方块；11 是奇数，所以最后一行和最后一列被舍去",
    "the 64 × 5 × 5 = 1600 numbers in a row, each unit weighing all of them; ReLU":
        "把 64 × 5 × 5 = 1600 个数排成一行，每个单元对它们全部加权；ReLU",
    "one score per class, each weighing the 64 units": "每个类别一个分数，各自对 64 个单元加权",
    "the 10 scores turned into probabilities that add up to 1": "把 10 个分数变成加起来等于 1 的概率",
    # Train page: watch it learn, the per-epoch table, comparing runs, download
    "At the start (the first batches)": "刚开始（最初几批）",
    "After {x:.0%} of the first epoch": "第一轮完成 {x:.0%} 后",
    "After {x} of {epochs} epochs": "{epochs} 轮中完成 {x} 轮后",
    "**Watch it learn**": "**看它学习**",
    "{when}: {right} of these {n} test digits read right. Each frame goes from red (the network gives the true class "
    "no chance) to green (sure and right); under it, what the network reads.":
        "{when}：这 {n} 个测试数字中认对了 {right} 个。每个边框从红色（网络认为真实类别毫无可能）变到绿色（认对且有把"
        "握）；"
        "下方是网络的识别结果。",
    "conv1's 32 filters, 3 × 3 weights each (red positive, blue negative), as they form.":
        "conv1 的 32 个卷积核，每个 3 × 3 个权重（红为正，蓝为负），看它们逐渐成形。",
    "Draw a digit on the Draw page: the network in training will read it here.":
        "在“手写”页写一个数字：训练中的网络会在这里识别它。",
    "Your last drawing: the network in training reads **{digit}** ({p:.0%}).":
        "你最近写的数字：训练中的网络认作 **{digit}**（{p:.0%}）。",
    "**Epoch {epoch}** · Train_acc {train_acc:.2%} · Train_loss {train_loss:.3f} · Test_acc {test_acc:.2%} · "
    "Test_loss {test_loss:.3f}":
        "**第 {epoch} 轮** · 训练准确率 {train_acc:.2%} · 训练损失 {train_loss:.3f} · 测试准确率 {test_acc:.2%} · "
        "测试损失 {test_loss:.3f}",
    "Train_acc": "训练准确率",
    "Train_loss": "训练损失",
    "Test_acc": "测试准确率",
    "Test_loss": "测试损失",
    "seconds": "秒",
    "Download this model": "下载这个模型",
    "The class model is unchanged.": "全班模型不变。",
    "SGD": "SGD",
    "SGD + momentum": "SGD + 动量",
    "Adam": "Adam",
    "Compare runs": "比较各次训练",
    "Runs to overlay": "要叠加比较的训练",
    "Measure": "指标",
    "test accuracy": "测试准确率",
    "test loss": "测试损失",
    "train accuracy": "训练准确率",
    "train loss": "训练损失",
    "run": "训练",
    "epochs": "轮数",
    "final test accuracy": "最终测试准确率",
    "time (s)": "用时（秒）",
    "state": "状态",
    "queued": "排队中",
    "running": "进行中",
    "finished": "已完成",
    "stopped": "已停止",
    "did not learn": "没有学会",
    "failed": "失败",
    # the sidebar's line for each queued or training run
    "{nth} in line": "排第 {nth} 位",
    "next": "下一个",
    "{name} is waiting ({line}): 1 run trains at a time.": "{name} 正在等待（{line}）：一次只训练 1 个。",
    "{name} is waiting ({line}): {limit} runs train at a time.": "{name} 正在等待（{line}）：一次最多训练 {limit} 个。",
    "{kind} {name}: starting.": "{kind}：{name}，正在开始。",
    "{kind} {name}: epoch {epoch} of {epochs}.": "{kind}：{name}，第 {epoch}/{epochs} 轮。",
    "Loading the dataset…": "正在加载数据集……",
    # Class page
    "Our class's handwriting": "我们班的手写数字",
    "Drawing and reading still work; digits cannot be added or shown until the class set is usable.":
        "手写和识别照常可用；在全班数据集恢复可用之前，不能加入或显示数字。",
    "Measuring before and after…": "正在测量训练前后的表现……",
    "Epoch {epoch} of {epochs} · batch {batch:,} of {batches:,} · about {left} left":
        "第 {epoch}/{epochs} 轮 · 第 {batch:,}/{batches:,} 批 · 约剩 {left}",
    "The teacher decides whether it becomes the class model.": "由老师决定是否把它作为全班模型。",
    "The run ended without a result.": "这次训练结束了，但没有结果。",
    "The class model does not read digits: choose an MNIST model for the class on the Train page.":
        "全班模型识别的不是数字：请在“训练”页为全班选择一个 MNIST 模型。",
    "No digits yet. On the Draw page, after the network reads a drawing, tap \"Right\" or \"Wrong, it is a …\": the "
    "drawing joins the class's digits here.":
        "还没有数字。在“手写”页，网络识别之后点“对”或“错了，应该是……”：你写的数字就会加入这里的全班数字。",
    "Digits": "数字个数",
    "Writers": "书写人数",
    "Anonymous: one per browser tab that added digits": "匿名：每个加入过数字的浏览器标签页算一人",
    "Class model on our digits": "全班模型在我们的数字上",
    "…on MNIST's test set": "……在 MNIST 测试集上",
    "The class model is {name}. The gap between the two is the domain shift: our handwriting is not the handwriting "
    "it learned from.":
        "全班模型是“{name}”。两者之间的差距就是领域偏移：我们的手写和它学习时用的手写不一样。",
    "Our digits, digit by digit": "我们的数字，逐个数字查看",
    "Where the class model goes wrong on our digits": "全班模型在我们的数字上错在哪里",
    "Rows: the digit the student meant. Columns: what the class model read.":
        "行：学生想写的数字。列：全班模型认出的数字。",
    "Teach it our handwriting": "教它认我们的手写",
    "A short run from the class model's weights on our digits mixed with MNIST, so that it keeps what it knew. It is "
    "measured before and after on digits of students it did not train on, and on MNIST's test set; the teacher then "
    "decides whether it becomes the class model.":
        "从全班模型的权重出发，在我们的数字和 MNIST 混合的数据上做一次短训练，这样它不会忘掉原来学会的东西。训练前后"
        "都会在它没训练过的学生的数字上和 MNIST 测试集上测量；然后由老师决定是否把它作为全班模型。",
    "Fine-tune the class model on our digits": "用我们的数字微调全班模型",
    "The teacher starts fine-tuning; this page shows the result.": "由老师开始微调；本页显示结果。",
    "Review and delete": "检查与删除",
    "Export and import": "导出与导入",
    "Reading the class's digits…": "正在识别全班的数字……",
    "{n} digit{s}": "{n} 个",
    "The newest {n} of {total}.": "共 {total} 个中最新的 {n} 个。",
    "None yet.": "还没有。",
    "The class model reads every one of them right.": "全班模型把它们全部认对了。",
    " (the newest {n} shown)": "（显示最新的 {n} 个）",
    "**{wrong}** of {n} misread{shown}. Under each: the digit meant → what the class model read.":
        "{n} 个中认错了 **{wrong}** 个{shown}。每张下方：想写的数字 → 全班模型认出的数字。",
    "Digit to review": "要检查的数字",
    "No {digit}s in the class set.": "全班数据集里没有 {digit}。",
    " · read {digit}": " · 认作 {digit}",
    "Delete": "删除",
    "Delete every digit": "删除所有数字",
    "Yes, delete all {n} digits of the class set": "是的，删除全班数据集中的全部 {n} 个数字",
    "Delete all": "全部删除",
    "PNGs in a zip": "PNG 图片（ZIP 压缩包）",
    "One folder per digit, and labels.csv": "每个数字一个文件夹，另有 labels.csv",
    "IDX images": "IDX 图像",
    "MNIST's own format: any MNIST reader takes it": "MNIST 自己的格式：任何能读 MNIST 的程序都能读",
    "IDX labels": "IDX 标签",
    "Import a class set (a zip as exported here, or of IDX files)":
        "导入全班数据集（这里导出的 ZIP，或装有 IDX 文件的 ZIP）",
    "Import": "导入",
    "Only the teacher can import into the class set.": "只有老师才能向全班数据集导入数字。",
    "Imported {name}: {added} digits added, {skipped} were already in the class set.":
        "已导入 {name}：加入了 {added} 个数字，另有 {skipped} 个已在全班数据集中。",
    "Class digits it did not train on ({n:,})": "它没训练过的全班数字（{n:,} 个）",
    "MNIST's test set": "MNIST 测试集",
    "{change:+.2f} pt (was {before:.2%})": "{change:+.2f} 个百分点（原为 {before:.2%}）",
    "Trained on {n:,} class digits mixed with MNIST, in {s:.0f} s. The held-out digits are whole writers the run "
    "never saw, as a new student's would be.":
        "在 {n:,} 个全班数字和 MNIST 的混合数据上训练，用时 {s:.0f} 秒。留出的数字来自这次训练从没见过的学生，"
        "就像新同学写的一样。",
    # the Model page's handwriting styles
    "Handwriting from around the world": "世界各地的手写",
    "People write digits the way they were taught at school, and that depends on the country: a 1 with a long "
    "up-stroke in much of Europe, a 7 with a bar through it, a zero with a slash. MNIST was written in the United "
    "States, so it holds few of these. The drawing check draws each style the way people draw on the canvas (any "
    "size, place, pen width and slant, with a pen, a mouse or a finger) and reads it as the Draw page does. "
    "**Right**: the app shows the right digit. **Not sure**: the app says so, which is the honest answer for a "
    "drawing it cannot read. **Wrong, and sure**: the mistakes that matter.":
        "人们按学校里教的方式写数字，而这因国家而异：欧洲很多地方的 1 有一道长长的起笔，7 中间加一横，0 带一道斜线。"
        "MNIST 是在美国写的，这些写法很少。手写检查按人们在画布上书写的方式写出每种风格（大小、位置、笔画粗细和倾斜"
        "都随意，用笔、鼠标或手指），再像“手写”页那样识别。**认对**：应用给出正确的数字。**没把握**：应用如实说"
        "没把握，对认不出的数字这才是诚实的回答。**认错且有把握**：真正要紧的错误。",
    "No drawing check figures yet: `python scripts/drawing_check.py --json` makes them.":
        "还没有手写检查的数据：运行 `python scripts/drawing_check.py --json` 生成。",
    "The shipped model ({checkpoint}), {n} drawings of each style.":
        "自带模型（{checkpoint}），每种风格 {n} 个手写样本。",
    "Digits in every style, right": "所有风格的数字，认对",
    "Wrong, and sure": "认错且有把握",
    "Shapes that are no digit, read as one": "不是数字的图形，被认作数字",
    "Where it is weak: {styles}.": "薄弱之处：{styles}。",
    "**{style}** ({right:.0%} right, read as {most} {wrong:.0%} of the time)":
        "**{style}**（认对 {right:.0%}，{wrong:.0%} 的时候被认作 {most}）",
    "**{style}** ({right:.0%} right)": "**{style}**（认对 {right:.0%}）",
    "Every style is read right at least {weak:.0%} of the time. The network learned them from MNIST and from drawings "
    "in these styles made by the program (mnist_demo/handwriting/), not from the check's own drawings.":
        "每种风格的认对率都至少有 {weak:.0%}。网络是从 MNIST 和程序按这些风格生成的手写样本"
        "（mnist_demo/handwriting/）中学会的，而不是从检查用的样本中学的。",
    "**Shapes that are no digit.** The network has ten outputs and no \"none of these\": a smiley or a box gets "
    "the digit it looks most like, unless it learned otherwise. This one was shown such shapes in training with "
    "equal odds on every digit as the answer, so it now gives them no digit; the app says \"not sure\" when the "
    "top probability is low or the drawing's features (in the last hidden layer) lie far from every digit the "
    "network learned. These are the shapes it trained on (drawn anew): letters, which it never saw, still get a "
    "digit more often. How often each shape gets a digit:":
        "**不是数字的图形。** 网络有十个输出，却没有“都不是”这一项：笑脸或方框会被认作它最像的那个数字，除非它学过"
        "别的答案。这个网络在训练时见过这类图形，答案是每个数字机会均等，所以现在不会把它们认作数字；当最高概率很低，"
        "或者图形的特征（在最后一个隐藏层中）离网络学过的每个数字都很远时，应用会说“没把握”。下面是它训练时见过的"
        "图形（重新画的）：它从没见过的字母仍更常被认作数字。每种图形被认作数字的比例：",
    "The same check on {n:,} MNIST test digits redrawn the way people draw: {right:.1%} right, {wrong:.1%} wrong and "
    "sure.":
        "对 {n:,} 个按人们书写方式重画的 MNIST 测试数字做同样的检查：认对 {right:.1%}，认错且有把握 {wrong:.1%}。",
    "drawing": "样本",
    "style": "风格",
    "what it is": "写法",
    "right": "认对",
    "not sure": "没把握",
    "wrong, and sure": "认错且有把握",
    "misread as": "常被认作",
    "read as a digit": "被认作数字",
    "mostly as": "多被认作",
    # the handwriting styles (mnist_demo.handwriting.styles), through term(): names, then descriptions
    "0-plain": "0 普通",
    "0-slashed": "0 带斜线",
    "0-dotted": "0 带点",
    "1-plain": "1 单竖",
    "1-serif": "1 带短钩",
    "1-flag": "1 长起笔",
    "1-base": "1 长起笔带底",
    "1-serif-base": "1 短钩带底",
    "2-plain": "2 普通",
    "2-loop": "2 带圈",
    "3-plain": "3 普通",
    "3-flat-top": "3 平顶",
    "4-open": "4 开口",
    "4-slanted": "4 斜笔开口",
    "4-closed": "4 封口",
    "5-plain": "5 普通",
    "5-one-stroke": "5 一笔写成",
    "6-plain": "6 普通",
    "6-straight": "6 直背",
    "7-plain": "7 普通",
    "7-crossed": "7 带横",
    "7-hooked": "7 带钩",
    "8-plain": "8 一笔",
    "8-two-loops": "8 两个圈",
    "9-plain": "9 普通",
    "9-straight": "9 直竖",
    "9-curved": "9 弯尾",
    "junk-smiley": "非数字：笑脸",
    "junk-word": "非数字：草写单词",
    "junk-line": "非数字：横线",
    "junk-box": "非数字：方框",
    "junk-star": "非数字：星星",
    "junk-cross": "非数字：叉",
    "junk-equals": "非数字：等号",
    "junk-hash": "非数字：井号",
    "an oval in one stroke, closed with a small overlap": "一笔写成的椭圆，收口处略有重叠",
    "slashed zero: a diagonal through the oval and a little past it (programmers, radio logs; Ø-like)":
        "带斜线的零：一道斜线穿过椭圆并略微出头（程序员、无线电日志；像 Ø）",
    "dotted zero: a dot in the middle (avoids the Danish Ø)": "带点的零：中间一个点（避免和丹麦字母 Ø 混淆）",
    "a single down-stroke (North America)": "一道竖笔（北美）",
    "a short flag at the top, then down": "顶上一个短钩，然后往下",
    "a long up-stroke from half-way down, then down (much of Europe, Latin America)":
        "从半中间开始一道长长的起笔，然后往下（欧洲大部分地区、拉丁美洲）",
    "the long up-stroke and a foot (France)": "长起笔加一个底座（法国）",
    "a short flag and a foot, as printed (Britain)": "短钩加底座，和印刷体一样（英国）",
    "an arch, a diagonal, a sharp corner and a flat base": "一道弧、一道斜线、一个尖角和一个平底",
    "a cursive 2: a small loop where the diagonal meets the base": "草写的 2：斜线和底边相接处有个小圈",
    "two round bowls, one stroke": "两个圆弧，一笔写成",
    "a flat top and a diagonal, then the bowl (the 'Z' 3, hard to forge into an 8)":
        "平顶加斜线，然后是圆弧（像 Z 的 3，很难被改成 8）",
    "open top: an L and a long stem, two strokes (seven-segment shape; common in MNIST)":
        "开口：一个 L 加一道长竖，两笔（七段数码管的样子；MNIST 中常见）",
    "open top with a slanted first stroke": "开口，第一笔是斜的",
    "closed top: a triangle, as printed, two strokes": "封口：一个三角形，和印刷体一样，两笔",
    "stem and belly, then the flag in a second stroke": "先写竖和肚子，第二笔再写顶上的横",
    "flag first, then down and round, no pen lift": "先写横，再往下绕圈，不抬笔",
    "a curved back falling into a loop": "弯弯的背落进一个圈",
    "a straight back, then the loop": "直直的背，然后是圈",
    "a bar and a diagonal": "一横一斜",
    "crossed 7: a bar through the middle (continental Europe, Latin America)":
        "带横的 7：中间加一横（欧洲大陆、拉丁美洲）",
    "a hook down at the left of the bar (Japan, Korea, Taiwan, China)": "横的左端向下带一个钩（日本、韩国、中国）",
    "one stroke: an S and back up": "一笔：一个 S 再绕回上面",
    "two stacked circles, two strokes": "上下叠放的两个圆，两笔",
    "a loop, then a stem slanting down-left": "一个圈，然后一道向左下斜的竖",
    "a loop, then a straight vertical stem": "一个圈，然后一道笔直的竖",
    "a loop, then a stem curving left at the foot (like g)": "一个圈，然后竖在末端向左弯（像 g）",
    "a smiley: a face, two eyes, a smile": "一个笑脸：脸、两只眼睛、一张笑嘴",
    "a cursive scribble like a short word": "像一个短单词的草写涂鸦",
    "one horizontal line": "一条横线",
    "a square in one stroke": "一笔画成的方框",
    "a five-pointed star in one stroke": "一笔画成的五角星",
    "an X, two strokes": "一个 X，两笔",
    "an equals sign, two strokes": "一个等号，两笔",
    "a hash sign, four strokes": "一个井号，四笔",
}

# Engine messages the Gallery, Evaluate, Train and Class pages and the sidebar can show (mnist_demo.classset,
# finetune, runs, training, config, data, idx, checkpoint, checkpoint_checks, preprocess): a pattern and its
# Chinese, as in zh.ERRORS. A group that is itself an engine message is translated in its turn (i18n.error).
ERRORS_PAGES: list[tuple[str, str]] = [
    (r"^CPU \((\d+) threads\)$", "CPU（{0} 个线程）"),  # the sidebar's device (mnist_demo.train.device.describe)
    # the class set (mnist_demo.classset.store: "The class set" in a browser, "the class set PATH" elsewhere)
    (r"^The class set\b.*? is not a class-set database",
     "全班数据集文件不是全班数据集的数据库（根本不是数据库文件）。它没有被改动：请把它移走，或用环境变量 "
     "MNIST_DEMO_CLASS_DB 指定另一个文件。"),
    (r"^The class set\b.*? is read-only .*It was opened for reading only\.",
     "全班数据集是只读的；没有保存任何内容。它是以只读方式打开的。"),
    (r"^The class set\b.*? is read-only ", "全班数据集是只读的；没有保存任何内容。请让这个文件和它所在的文件夹可写。"),
    (r"^The class set\b.*? is busy: another program has held it locked for over (\S+) s",
     "全班数据集正忙：另一个程序锁住它已超过 {0} 秒；没有保存任何内容。请稍后再试，或关闭那个程序。"),
    (r"^The class set\b.*? is damaged", "全班数据集已损坏。把它移走就能新建一个；之前导出的文件可以再导入进去。"),
    (r"^The disk holding the class set\b.*? is full", "存放全班数据集的磁盘已满；没有保存任何内容。请腾出空间后重试。"),
    (r"^The class set\b.*? cannot be opened: its folder is missing or not writable",
     "无法打开全班数据集：它所在的文件夹不存在或不可写。请用环境变量 MNIST_DEMO_CLASS_DB 换一个位置。"),
    (r"^The class set\b.*? does not exist yet", "全班数据集还不存在（没有可读的内容）：请先加入数字，或换一个文件。"),
    (r"^The class set\b.*? is a folder;",
     "全班数据集的路径是一个文件夹；请给出一个文件名，例如该文件夹中的 class.db。"),
    (r"^The folder of the class set\b.*? cannot be created \((.*?)\)",
     "无法创建全班数据集所在的文件夹（{0}）。请换一个位置。"),
    (r"^The class set\b.*? was made by a newer mnist-demo \(schema (\d+), this one knows (\d+)\)",
     "全班数据集是由更新版本的 mnist-demo 创建的（结构版本 {0}，本版本只认识 {1}）。请更新应用，或换一个文件。"),
    (r"^The class set\b.*? is an SQLite database of something else \(tables: (.*?)\)",
     "全班数据集是一个存放其他内容的 SQLite 数据库（表：{0}）；它没有被改动。请换一个文件。"),
    (r"^The class set\b.*? is an empty database", "全班数据集是一个空数据库，还不是全班数据集；请以可写方式打开一次。"),
    (r"^The class set\b.*? could not be used: (.*)\.$", "无法使用全班数据集：{0}。"),
    (r"^No digit with id (.+?) in the class set", "全班数据集中没有编号为 {0} 的数字（已被删除？）。"),
    (r"^Only the teacher can delete digits from the class set\.", "只有老师才能从全班数据集中删除数字。"),
    (r"^Only the teacher can empty the class set\.", "只有老师才能清空全班数据集。"),
    # what was given to the class set (mnist_demo.classset.checks), also inside an import's refusal
    (r"^The label must be a (?:whole number|digit) from 0 to 9, not (.+?)\.?$",
     "标签必须是 0 到 9 的数字，而不是 {0}"),
    (r"^The image is empty \(all black\)", "图像是空的（全黑）：请先写一个数字再保存。"),
    (r"^The image must be 28 x 28 pixels, not (.+?)\.?$", "图像必须是 28 × 28 像素，而不是 {0}"),
    # importing a class set (mnist_demo.classset.transfer, unpack): "Cannot import SRC: MEMBER WHY; nothing ..."
    (r"^Cannot import (.+?): (.+) points outside the archive",
     "无法导入 {0}：{1} 指向压缩包之外（绝对路径或 '..'）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is a symbolic link; nothing", "无法导入 {0}：{1} 是符号链接；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is encrypted; nothing", "无法导入 {0}：{1} 已加密；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is ([\d.]+) MB uncompressed; the most read per file is (\d+) MB",
     "无法导入 {0}：{1} 解压后有 {2} MB；每个文件最多读取 {3} MB；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) cannot be read \((\w+)\); nothing",
     "无法导入 {0}：{1} 无法读取（{2}）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is larger than its header says",
     "无法导入 {0}：{1} 比它的文件头声明的更大；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is not in a digit folder",
     "无法导入 {0}：{1} 不在数字文件夹里（用 0/ … 9/ 文件夹表示标签）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) has no images file beside it \((.+?)\); nothing",
     "无法导入 {0}：{1} 旁边没有对应的图像文件（{2}）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) has no labels file beside it \((.+?)\); nothing",
     "无法导入 {0}：{1} 旁边没有对应的标签文件（{2}）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) has no 'file' column", "无法导入 {0}：{1} 没有 'file' 列；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is wrong \(a value is not a number\); nothing",
     "无法导入 {0}：{1} 有错（有一个值不是数字）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is wrong \((.+)\); nothing was imported\.$",
     "无法导入 {0}：{1} 有错（{2}）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is not a readable CSV file",
     "无法导入 {0}：{1} 不是可读的 CSV 文件；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) cannot be read: (.+); nothing was imported\.$",
     "无法导入 {0}：无法读取 {1}：{2}；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) cannot be used: (.+); nothing was imported\.$",
     "无法导入 {0}：无法使用 {1}：{2}；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is blank \(no digit in it\)",
     "无法导入 {0}：{1} 是空白的（里面没有数字）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is not an uncompressed IDX images file",
     "无法导入 {0}：{1} 不是未压缩的 IDX 图像文件（magic 2051）；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) holds (\d+) x (\d+) images or is truncated",
     "无法导入 {0}：{1} 中的图像是 {2} × {3}，或者文件被截断了；需要 28 × 28 的 MNIST 图像；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) is not an IDX labels file with (\d+) labels",
     "无法导入 {0}：{1} 不是有 {2} 个标签、和图像对应的 IDX 标签文件；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) has a label (\d+); labels are 0 to 9",
     "无法导入 {0}：{1} 中有标签 {2}；标签只能是 0 到 9；没有导入任何内容。"),
    (r"^Cannot import (.+?): (.+) has an empty \(all black\) image at index (\d+)",
     "无法导入 {0}：{1} 中第 {2} 张图像是空的（全黑）；没有导入任何内容。"),
    (r"^Cannot import (.+?): it is not a zip file",
     "无法导入 {0}：它不是 zip 文件（需要一个 zip，或一个含 0/ … 9/ 的文件夹）。"),
    (r"^Cannot import (.+?): it holds over ([\d,]+) files",
     "无法导入 {0}：它包含超过 {1} 个文件；请拆成几个小一些的包。没有导入任何内容。"),
    (r"^Cannot import (.+?): it unpacks to over (\d+) MB",
     "无法导入 {0}：它解压后超过 {1} MB；请拆成几个小一些的包。没有导入任何内容。"),
    (r"^(.+) line (\d+)$", "{0} 第 {1} 行"),  # a line of an imported labels.csv
    # pictures (mnist_demo.reading.preprocess), also inside an import's refusal and on the Draw page
    (r"^it is not a readable image", "它不是可读的图片（需要一个数字的 PNG 或 JPEG）"),
    (r"^it is a damaged or truncated picture \((\w+)\)", "它是损坏或被截断的图片（{0}）"),
    (r"^it is (\d+) x (\d+) px; the most this app reads is (\d+) megapixels",
     "它是 {0} × {1} 像素；本应用最多读取 {2} 百万像素。请存小一些。"),
    (r"^it has over (\d+) megapixels", "它超过 {0} 百万像素；请存小一些"),
    (r"^it is (.+?); the most this app reads is (\d+ MB)", "它有 {0}；本应用最多读取 {1}。请裁剪照片或存小一些。"),
    # why the canvas's message is not a drawing (mnist_demo.web.canvas), inside zh.ERRORS's first message
    (r"^a truncated PNG$", "PNG 被截断了"),
    (r"^not a PNG data URL$", "不是 PNG 的 data URL"),
    (r"^its base64 is broken$", "它的 base64 编码已损坏"),
    (r"^no PNG signature$", "没有 PNG 签名"),
    (r"^no PNG header$", "没有 PNG 文件头"),
    (r"^a PNG without pixels$", "没有像素的 PNG"),
    (r"^its fields are not what the canvas sends$", "它的字段不是画布发送的那些"),
    (r"^a damaged PNG$", "损坏的 PNG"),
    (r"^it is fully transparent$", "它完全透明"),
    (r"^it is all white$", "它全是白色"),
    (r"^it is all black$", "它全是黑色"),
    (r"^it is all one colour$", "它全是同一种颜色"),
    (r"^its marks are too faint or too small to be a digit$", "上面的笔迹太淡或太小，不像一个数字"),
    # fine-tuning (mnist_demo.train.finetune)
    (r"^Fine-tuning needs digits from at least two writers .* the class set has one\.",
     "微调需要至少两个书写人（学生）的数字，这样才能在它没训练过的手写上测量；全班数据集目前只有一个。请让更多学生在"
     "“手写”页加入数字。"),
    (r"^Fine-tuning needs digits from at least two writers .* the class set has none\.",
     "微调需要至少两个书写人（学生）的数字，这样才能在它没训练过的手写上测量；全班数据集目前一个也没有。请让更多学生在"
     "“手写”页加入数字。"),
    (r"^The class set has (\d+) digits; fine-tuning needs at least (\d+)",
     "全班数据集有 {0} 个数字；微调至少需要 {1} 个，且来自两个或更多学生。"),
    # who may do what (mnist_demo.runs.registry)
    (r"^Only the teacher can start a training run\.", "只有老师才能开始训练。"),
    (r"^Only the teacher can stop a training run\.", "只有老师才能停止训练。"),
    (r"^Only the teacher can delete runs\.", "只有老师才能删除训练。"),
    (r"^Only the teacher can open training to the whole class\.", "只有老师才能向全班开放训练。"),
    (r"^Only the teacher can choose the model the class reads with\.", "只有老师才能选择全班用来识别的模型。"),
    (r"^(.+) is still going: stop it first\.", "{0} 还在进行：请先停止它。"),
    (r"^There is no model (.+) to use", "没有可用的模型 {0}（可能已被删除）。"),
    # how a run ended (mnist_demo.train.loop, runs.run)
    (r"^Stopped by the user during epoch (\d+)\.", "在第 {0} 轮时被手动停止。"),
    (r"^Did not learn: the loss became (\S+) at epoch (\d+), batch (\d+)\. A learning rate of (\S+) is too large for "
     r"(\w+): .* such as (\S+)\.$",
     "没有学会：损失在第 {1} 轮第 {2} 批变成了 {0}。学习率 {3} 对 {4} 来说太大了：步子迈过了头，权重爆炸了。"
     "试试小一些的，比如 {5}。"),
    (r"^Did not learn: the loss shot up to (\S+) \(about 2\.3 at the start\) at epoch (\d+), batch (\d+)\. A learning "
     r"rate of (\S+) is too large for (\w+): .* such as (\S+)\.$",
     "没有学会：损失在第 {1} 轮第 {2} 批猛增到 {0}（开始时约为 2.3）。学习率 {3} 对 {4} 来说太大了：步子迈过了头，"
     "权重爆炸了。试试小一些的，比如 {5}。"),
    (r"^Did not learn: at epoch (\d+), batch (\d+), the loss is (\S+) \(pure guessing gives 2\.30\) and it reads "
     r"(\S+) right, .* With a learning rate of (\S+), (\w+) is not learning: .* Try (\S+), the usual",
     "没有学会：在第 {0} 轮第 {1} 批，损失是 {2}（纯靠猜是 2.30），认对率 {3}，和掷十面骰子差不多。学习率为 {4} 时，"
     "{5} 学不会：步子太大可能一下子让所有神经元都不再激活，太小又几乎不动。试试 {6}，这是 {5} 常用的学习率。"),
    (r"^Did not learn: after epoch (\d+), on the test set, the loss is (\S+) \(pure guessing gives 2\.30\) and it "
     r"reads (\S+) right, .* With a learning rate of (\S+), (\w+) is not learning: .* Try (\S+), the usual",
     "没有学会：第 {0} 轮之后，在测试集上损失是 {1}（纯靠猜是 2.30），认对率 {2}，和掷十面骰子差不多。学习率为 {3} 时，"
     "{4} 学不会：步子太大可能一下子让所有神经元都不再激活，太小又几乎不动。试试 {5}，这是 {4} 常用的学习率。"),
    (r"^Training failed: an unexpected error \(the server log has the details\)\.",
     "训练失败：出现了意外错误（详情见服务器日志）。"),
    (r"^Training failed: (.+)\.$", "训练失败：{0}。"),
    (r"^The model could not be saved: (.+)$", "模型无法保存：{0}"),
    (r"^Cannot save the checkpoint (.+?): (.+?)\.", "无法保存检查点 {0}：{1}。"),
    (r"^sgd$", "SGD"),  # an optimizer, inside a message
    (r"^momentum$", "SGD + 动量"),
    (r"^adam$", "Adam"),
    # settings (mnist_demo.train.recipes)
    (r"^the batch size ([\d,]+) is larger than the ([\d,]+) training images of (\S+): choose a batch size of at most "
     r"([\d,]+)$", "批大小 {0} 比 {2} 的 {1} 张训练图像还多：请把批大小设为不超过 {3}"),
    (r"^the (\S+) training set is empty: there is nothing to train on$", "{0} 的训练集是空的：没有可训练的内容"),
    # the dataset (mnist_demo.data, idx), as a browser sees it
    (r"^The (\S+) dataset is not in the data folder and could not be downloaded \((.*?)\)\. Copy its four files, "
     r"uncompressed \(IDX\) or as downloaded \(\.gz\), into (.+?): (.+); or start the app with `(\S+)` set to a folder "
     r"that holds `(\S+)`\.$",
     "数据文件夹里没有 {0} 数据集，也无法下载（{1}）。请把它的四个文件（解压后的 IDX 或下载得到的 .gz）复制到 {2}："
     "{3}；或者启动应用时把 `{4}` 设为包含 `{5}` 的文件夹。"),
    (r"^(`[^`]+`|\S+) is a symbolic link to a file that is not there",
     "{0} 是指向不存在文件的符号链接：请删除这个链接，或把数据集的文件放在那里。"),
    (r"^(`[^`]+`|\S+) cannot be read \((.+?)\): check its permissions", "无法读取 {0}（{1}）：请检查它的权限。"),
    (r"^(`[^`]+`|\S+) cannot be read \((.+?)\)", "无法读取 {0}（{1}）：请检查它，或把数据集的文件放在那里。"),
    (r"^(`[^`]+`|\S+) is a folder: put the dataset's file", "{0} 是一个文件夹：请把数据集中同名的文件放在那里。"),
    (r"^(`[^`]+`|\S+) is not a regular file \(a pipe, device or socket\): put",
     "{0} 不是普通文件（而是管道、设备或套接字）：请把数据集中同名的文件放在那里。"),
    (r"^(`[^`]+`|\S+) is ([\d,]+) MB, more than any file of these datasets",
     "{0} 有 {1} MB，比这些数据集的任何文件都大（47 MB）：它不是其中之一；请把数据集自己的文件放在那里。"),
    (r"^(`[^`]+`|\S+) is not a complete gzip file", "{0} 不是完整的 gzip 文件（下载中断了？）：请删除它并重新下载。"),
    (r"^(`[^`]+`|\S+) decompresses to more than any file of these datasets",
     "{0} 解压后比这些数据集的任何文件都大：它不是其中之一。"),
    (r"^(`[^`]+`|\S+) is gzip-compressed",
     "{0} 是 gzip 压缩的（下载后没有解压）：请解压它（gunzip），或在文件名后加上 .gz，加载程序会自己解压。"),
    (r"^(`[^`]+`|\S+) is empty \(0 bytes\)",
     "{0} 是空的（0 字节）：下载或复制中断了？请删除它并重新下载，或把数据集的文件复制过去。"),
    (r"^(`[^`]+`|\S+) is truncated \((\d+) bytes(?:, less than its header)?\)",
     "{0} 被截断了（{1} 字节）：下载或复制中断了？请删除它并重新下载。"),
    (r"^(`[^`]+`|\S+) is truncated: its header announces ([\d,]+) (?:images|labels) \(([\d,]+) bytes\) but it "
     r"holds ([\d,]+) bytes",
     "{0} 被截断了：文件头声明有 {1} 项（{2} 字节），实际只有 {3} 字节。下载或复制中断了？请删除它并重新下载。"),
    (r"^(`[^`]+`|\S+) holds (?:images|labels), not (?:images|labels)",
     "{0} 装的内容和文件名不符：图像文件和标签文件是不是弄反了？请把名字改回来。"),
    (r"^(`[^`]+`|\S+) is not an MNIST-format \(IDX\) (?:images|labels) file: it starts with (\S+), not (\S+)\.",
     "{0} 不是 MNIST 格式（IDX）的文件：它以 {1} 开头，而不是 {2}。请把数据集自己的文件放在那里。"),
    (r"^(`[^`]+`|\S+) holds (\d+) x (\d+) images; MNIST-format datasets hold",
     "{0} 中的图像是 {1} × {2}；MNIST 格式的数据集是 28 × 28。请把数据集自己的文件放在那里（或缩放到 28 × 28）。"),
    (r"^(`[^`]+`|\S+) has ([\d,]+) bytes more than the",
     "{0} 比文件头声明的多出 {1} 字节：它不是这个数据集的文件；请把数据集自己的文件放在那里。"),
    (r"^(`[^`]+`|\S+) holds ([\d,]+) images but (`[^`]+`|\S+) holds ([\d,]+) labels",
     "{0} 有 {1} 张图像，但 {2} 有 {3} 个标签：每张图像都需要自己的标签。请从同一次下载中重新复制这两个文件。"),
    (r"^(`[^`]+`|\S+) holds no images: the (\w+) set is empty",
     "{0} 里没有图像：数据集是空的。请把数据集自己的文件放在那里。"),
    (r"^(`[^`]+`|\S+) holds the label (\d+) \(first at position ([\d,]+)\); labels must be 0 to (\d+)",
     "{0} 中有标签 {1}（第一次出现在位置 {2}）；标签必须在 0 到 {3} 之间。请把数据集自己的标签文件放在那里。"),
    (r"^([^,\s]+), ([^,\s]+), ([^,\s]+) and ([^,\s]+)$", "{0}、{1}、{2} 和 {3}"),  # the four files' names
    # checkpoints (mnist_demo.checkpoint, checkpoint_checks): the sidebar says why there is no model
    (r"^No model at (\S+) in checkpoints/\.", "checkpoints/ 中没有模型文件 {0}。"),
    (r"^No checkpoint at (.+)\.$", "{0} 处没有检查点。"),
    (r"^(.+) is not a regular file \(a folder, pipe or device\)",
     "{0} 不是普通文件（而是文件夹、管道或设备）：请给出一个检查点文件。"),
    (r"^(.+) is ([\d,.]+ MB); an mnist-demo checkpoint is about 0\.5 MB \(at most ([\d,.]+ MB)\)",
     "{0} 有 {1}；mnist-demo 的检查点约 0.5 MB（最多 {2}）：它不是检查点。"),
    (r"^(.+) unpacks to ([\d,.]+ MB); an mnist-demo checkpoint holds about 0\.5 MB",
     "{0} 解压后有 {1}；mnist-demo 的检查点约 0.5 MB：它不是检查点。"),
    (r"^(.+) names its dataset (.+); an mnist-demo checkpoint names one of (.+)\.$",
     "{0} 写的数据集是 {1}；mnist-demo 的检查点只能是 {2} 之一。"),
    (r"^(.+) claims (.+) classes, but (\S+) has (\d+):",
     "{0} 声称有 {1} 个类别，但 {2} 有 {3} 个：这不是本应用能用的 {2} 模型（被改过，或来自别的程序）。"),
    (r"^(.+) gives its test accuracy as (.+); it must be a number from 0 to 1",
     "{0} 中的测试准确率是 {1}；它必须是 0 到 1 之间的数（文件被改过或已损坏）。"),
    (r"^(.+) holds damaged \"not sure\" statistics",
     "{0} 中用于判断“没把握”的统计数据已损坏：请重新保存或重新训练模型。"),
    (r"^(.+) holds weights that do not fit the tutorial's CNN \(another architecture\?\): (.+)$",
     "{0} 中的权重和教程的卷积神经网络对不上（别的网络结构？）：{1}"),
    (r"^(.+) holds (.+) as (\S+), not as real numbers",
     "{0} 中的 {1} 是 {2} 类型，而不是实数：它不是这个网络的检查点。"),
    (r"^(.+) holds weights that are not numbers \(NaN or infinite\) in (.+?): the run",
     "{0} 中 {1} 的权重不是数（NaN 或无穷大）：保存它的那次训练出了问题。请重新训练模型。"),
    (r"^(.+) was refused: besides weights it holds Python objects \((.+?)\)",
     "{0} 被拒绝：除了权重，它还包含加载时可能运行代码的 Python 对象（{1}）。mnist-demo 只加载权重；除非你信任这个文"
     "件，"
     "否则不要加载它。"),
    (r"^(.+) is not a readable checkpoint \(corrupt or truncated\?\): (\w+)",
     "{0} 不是可读的检查点（已损坏或被截断？）：{1}"),
    (r"^(.+) is not an mnist-demo checkpoint \(expected format (.+)\)\.",
     "{0} 不是 mnist-demo 的检查点（应为格式 {1}）。"),
    (r"^(.+) is not an mnist-demo checkpoint \(its weights or metadata are missing\)",
     "{0} 不是 mnist-demo 的检查点（缺少权重或元数据）。"),
]
