"""Simplified Chinese for the web pages, keyed by the English text (see mnist_demo.web.i18n). Terms as in
the PyTorch tutorial's Chinese translations:
训练, 测试, 准确率, 损失, 卷积层, 池化层, 全连接层, 学习率, 批大小, 轮 (epoch)."""

from mnist_demo.web.zh_pages import ERRORS_PAGES, ZH_PAGES  # the other pages, merged at the end

ZH: dict[str, str] = {
    # app and sidebar
    "Train": "训练",
    "Gallery": "图库",
    "Draw": "手写",
    "Class": "全班",
    "Evaluate": "评估",
    "Model": "模型",
    "Something went wrong on this page. Reload it or try again; the server's log has the details.":
        "此页面出错了。请刷新或重试；详细信息见服务器日志。",
    "Device": "设备",
    "Model you read with": "用于识别的模型",
    "No model yet. Train one on the Train page. ({why})": "还没有模型。请在“训练”页训练一个。（{why}）",
    "The class model: {name}": "全班模型：{name}",
    "Test accuracy **{acc}** on {dataset}": "在 {dataset} 上的测试准确率 **{acc}**",
    "unknown": "未知",
    "Projector mode": "投影模式",
    "Larger type and thicker lines, for the back of a room.": "更大的字和更粗的线，教室后排也看得清。",
    ":material/school: You are the teacher.": ":material/school: 你是老师。",
    "Students open **{url}**": "学生打开 **{url}**",
    "Show the QR code": "显示二维码",
    "Join the class": "加入课堂",
    "Teacher": "老师",
    "Teacher code": "老师口令",
    "That is not the teacher code.": "口令不对。",
    # Draw page
    "Draw a digit": "写一个数字",
    "There is no model to read drawings yet: train one on the Train page.":
        "还没有可以识别手写的模型：请在“训练”页训练一个。",
    "The active model learned {dataset}: it will read your drawing as one of its classes. Pick the shipped model "
    "in the sidebar to read digits.":
        "当前模型学的是 {dataset}：它会把你写的内容认作其中一类。要识别数字，请在侧栏选择自带的模型。",
    "White ink on black, like MNIST. Draw one digit, big or small, anywhere.":
        "黑底白字，和 MNIST 一样。写一个数字，大小、位置随意。",
    "Undo": "撤销",
    "Clear": "清除",
    "Pen width": "笔画粗细",
    "…or upload a photo or scan of one digit": "……或上传一个数字的照片或扫描件",
    "Dark ink on paper or light on dark: either works. Clear removes it.":
        "白纸黑字或黑底白字都可以。按“清除”可移除。",
    "the upload {name}": "上传的图片 {name}",
    "your drawing": "你写的数字",
    "Reading your drawing, not the upload {name} (upload it again to read it).":
        "正在识别你写的数字，而不是上传的图片 {name}（重新上传即可识别它）。",
    "Cannot read {what}: {why}": "无法读取{what}：{why}",
    "Undoing the last stroke…": "正在撤销上一笔……",
    "Nothing to read in {name}: {why}. Upload a photo or scan of one digit, dark on light or light on dark, or "
    "press Clear and draw one.":
        "{name} 里没有可识别的内容：{why}。请上传一个数字的照片或扫描件（白底黑字或黑底白字），或按“清除”后手写一个。",
    "Draw a digit on the black square with your mouse or finger (the canvas is empty).":
        "用鼠标或手指在黑色方框里写一个数字（画布是空的）。",
    "{p:.0%} sure": "把握 {p:.0%}",
    "Not sure": "没把握",
    "**{p1:.0%}** sure · next best **{second}** ({p2:.1%})": "把握 **{p1:.0%}** · 其次是 **{second}**（{p2:.1%}）",
    "its best guess is only {p:.0%} sure": "它最有把握的答案也只有 {p:.0%}",
    "this does not look like the digits it learned from": "这看起来不像它学过的数字",
    "Maybe **{first}** ({p1:.0%}) or **{second}** ({p2:.0%}), but {why}. Try a clearer digit.":
        "可能是 **{first}**（{p1:.0%}）或 **{second}**（{p2:.0%}），但{why}。请写得更清楚些。",
    "The app says \"not sure\" when the top probability is under {below:.0%} or the drawing is farther from every "
    "digit class than {quantile:.1%} of the images it trained on (distance in the network's last hidden layer).":
        "当最高概率低于 {below:.0%}，或者这个数字离每个类别都比 {quantile:.1%} 的训练图像更远（在网络最后一个隐藏层中的"
        "距离）时，应用会说“没把握”。",
    "What the network sees (28 x 28)": "网络看到的图像（28 × 28）",
    "Probability of each digit": "每个数字的概率",
    # the Train page's learning curves
    "Training (running)": "训练（本轮累计）",
    "Training": "训练",
    "Test": "测试",
    "epoch": "轮次",
    "Accuracy": "准确率",
    "Loss": "损失",
    "{who}, epoch {epoch}: {value}": "{who}，第 {epoch} 轮：{value}",
    # the class set's Right / Wrong under a reading
    ":material/database_off: Adding drawings to the class set is off: {why}":
        ":material/database_off: 暂时不能把手写数字加入全班数据集：{why}",
    "Added to the class set as a **{digit}**. You have added **{n}** digit{s}. Press Clear to draw the next one.":
        "已作为 **{digit}** 加入全班数据集。你一共加入了 **{n}** 个数字。按“清除”写下一个。",
    "Not added: {why}": "没有加入：{why}",
    "**Was it right?** One tap adds your drawing to the class's digits (no names are kept).":
        "**认对了吗？** 点一下就把你写的数字加入全班数据集（不记录姓名）。",
    "Right, it is a {digit}": "对，是 {digit}",
    "Wrong, it is a": "错了，应该是",
    "Read from {source} by {name}.": "由 {name} 识别{source}。",
}

# Engine messages a page can show (English f-strings built in the engine): a pattern and its Chinese, whose {0},
# {1} ... are the pattern's groups. First match wins.
ERRORS: list[tuple[str, str]] = [
    (r"^what the canvas sent is not a drawing \((.*?): a damaged or forged message\)",
     "画布发来的内容不是手写图像（{0}：消息损坏或被伪造）。请按“清除”重新写。"),
    (r"^it is ([\d.]+) MB of text; a (\d+) x (\d+) drawing is at most ([\d.]+) MB",
     "它有 {0} MB 文本；{1} × {2} 的手写图像最多 {3} MB（伪造的消息？）。请按“清除”重新写。"),
    (r"^it is (\d+) x (\d+) px, but the canvas is (\d+) x (\d+)",
     "它是 {0} × {1} 像素，但画布是 {2} × {3}（伪造的消息？）。请按“清除”重新写。"),
]

# The words of run and model names (mnist_demo.runs.run.Run.name, the registry's model names), one at a time.
NAME_WORDS: list[tuple[str, str]] = [
    (r"Run (\d+)", "第 {0} 次训练"),
    (r"Shipped model", "自带模型"),
    (r"Tutorial", "教程"),
    (r"Quick", "快速入门"),
    (r"Fast", "快速"),
    (r"Classroom", "课堂"),
    (r"Training", "训练"),
    (r"Fine-tuning", "微调"),
]

# the Draw page's "Inside the network" (mnist_demo.web.views)
ZH.update({
    "Where it looked": "它看的是哪里",
    "Inside the network": "网络内部",
    "Bright pixels pushed the network most towards its answer (Integrated Gradients).":
        "越亮的像素越把网络推向它的答案（积分梯度）。",
    "Each small square is one filter's answer to your drawing, after ReLU: the first layer finds edges and strokes, "
    "the second combines them into parts of digits. Click one to see how it is computed.":
        "每个小方块是一个卷积核对你写的数字的响应（经过 ReLU）：第一层找出边缘和笔画，第二层把它们组合成数字的局部。"
        "点一个方块，看看它是怎么算出来的。",
    "From 64 numbers to an answer": "从 64 个数到一个答案",
    "fc1 weighs all 1600 numbers of pool2 into 64 units (after ReLU, left: brighter is larger). Each of fc2's "
    "outputs adds up the 64 units times its weights plus a bias: its score; lines show the units that add the most "
    "(blue) or take away the most (red). Softmax turns the scores into probabilities.":
        "全连接层 fc1 把 pool2 的全部 1600 个数加权成 64 个单元（经过 ReLU，左侧：越亮越大）。全连接层 fc2 的每个输出"
        "把 64 个单元乘以各自的权重再加上偏置，得到它的分数；连线标出加得最多（蓝）或减得最多（红）的单元。"
        "Softmax 把分数变成概率。",
    "fc1's 64 units → fc2's 10 scores → softmax": "fc1 的 64 个单元 → fc2 的 10 个分数 → softmax",
    "What each of the 32 input channels adds": "32 个输入通道各自贡献多少",
    " {c}: score {s:.1f} → {p:.0%}": " {c}：分数 {s:.1f} → {p:.0%}",
    "input channel": "输入通道",
    "The largest change of one pixel is {most:.2f} of full ink ({levels} of 255 grey levels); {pixels} of 784 pixels "
    "changed; the change is {rel:.0%} the size of the drawing (L2), after {steps} gradient steps.":
        "单个像素最大改动为满墨的 {most:.2f}（255 级灰度中的 {levels} 级）；784 个像素中改了 {pixels} 个；"
        "改动的大小是原图的 {rel:.0%}（L2），共 {steps} 步梯度。",
    "Fool the network": "骗过网络",
    "It reads your drawing as {now}. Pick another digit: the app searches for a small change to the picture "
    "(gradient steps, at most a set amount per pixel) that makes the network read that digit instead.":
        "它把你写的认作 {now}。选另一个数字：应用会寻找对图像的微小改动（梯度步，每个像素的改动有上限），"
        "让网络改认作那个数字。",
    "Make it read": "让它认作",
    "Search again": "重新搜索",
    "It already reads {now}: pick another digit.": "它已经认作 {now}：请选另一个数字。",
    "The drawing changed since the last search: press Search again.": "上次搜索后图像变了：请按“重新搜索”。",
    "Your drawing: {d} ({p:.0%})": "你写的：{d}（{p:.0%}）",
    "The change, {gain:.0f}× stronger to be seen (red: ink added, blue: ink taken away)":
        "改动，放大 {gain:.0f} 倍以便看清（红：加墨，蓝：减墨）",
    "Drawing + change: {d} ({p:.0%})": "原图 + 改动：{d}（{p:.0%}）",
    '<p class="fool-result">Now it reads <b>{d}</b> at <b>{p:.0%}</b>.</p>':
        '<p class="fool-result">现在它认作 <b>{d}</b>，把握 <b>{p:.0%}</b>。</p>',
    "To you it is still a {was}; to the network it is a {now}. It adds up hundreds of pixels times weights, so many "
    "small nudges, each chosen with its own gradient, add up to a different answer. Such a picture is called an "
    "*adversarial example*.":
        "在你看来它仍是 {was}；在网络看来它是 {now}。网络把成百上千个像素乘以权重再相加，所以许多按梯度挑选的微小改动"
        "加起来就得到另一个答案。这样的图像叫作*对抗样本*。",
    '<p class="fool-result">Still <b>{now}</b>: within {budget:.1f} of full ink per pixel it gives {target} only '
    '{p:.0%}.</p>':
        '<p class="fool-result">仍是 <b>{now}</b>：每个像素最多改动满墨的 {budget:.1f} 时，它给 {target} 的概率只有 '
        '{p:.0%}。</p>',
    "The network is sure of this one: a change bigger than that is a new drawing more than a nudge. Try another "
    "digit.": "网络对这个很有把握：比这更大的改动已经是重新写，而不是轻轻一推。试试另一个数字。",
    '<p class="fool-result">No digit: within {budget:.1f} of full ink per pixel the changed drawing gets {target} '
    'only {p:.0%}, and no digit more than {top:.0%}.</p>':
        '<p class="fool-result">不像任何数字：每个像素最多改动满墨的 {budget:.1f} 时，改过的图给 {target} 的概率只有 '
        '{p:.0%}，没有哪个数字超过 {top:.0%}。</p>',
    "The search pushed the drawing towards {target}, and the network stopped seeing a digit in it at all: this "
    "network was trained on shapes that are no digit, with equal odds on every digit as the answer, so a drawing "
    "that is neither one digit nor another gets \"not sure\". That makes it harder to fool. Try another digit.":
        "搜索把图往 {target} 推，网络却干脆不再把它看作数字：这个网络训练时见过不是数字的图形，答案是每个数字机会"
        "均等，所以既不像这个数字也不像那个数字的图会得到“没把握”。这让它更难被骗。试试另一个数字。",
    "{layer} map {c}: click a position": "{layer} 第 {c} 个特征图：点一个位置",
    "{layer}: {c} feature maps, {c} × {s} × {s}": "{layer}：{c} 个特征图，{c} × {s} × {s}",
    "One neuron, computed": "一个神经元的计算过程",
    "Layer": "层",
    "Feature map": "特征图",
    "Row": "行",
    "Column": "列",
    "the input, 1 × 28 × 28": "输入，1 × 28 × 28",
    "pool1 map {k} (of 32), 13 × 13": "pool1 第 {k} 个特征图（共 32 个），13 × 13",
    "sum of the nine products": "九个乘积之和",
    "sum of the 32 terms": "32 项之和",
    '<p class="neuron-sum">{added} = <b>{s}</b>; plus the bias {b} = <b class="neuron-total">{total}</b></p>':
        '<p class="neuron-sum">{added} = <b>{s}</b>；加上偏置 {b} = <b class="neuron-total">{total}</b></p>',
    'The network\'s own value here, before ReLU: <b class="neuron-value">{v}</b>.':
        '网络自己在这里算出的值（ReLU 之前）：<b class="neuron-value">{v}</b>。',
    "pool1, which conv2 reads": "pool1（conv2 读取它）",
    "pool2, which is flattened for fc1": "pool2（展平后送入 fc1）",
    "Max-pool keeps the largest of the four: it becomes row {r}, column {k} of {following}. The tutorial applies "
    "ReLU, then max-pool; the code max-pools first and applies ReLU after, a quarter of the work: the same number, "
    "because ReLU never changes which of four values is the largest.":
        "最大池化保留四个数中最大的一个：它成为{following}的第 {r} 行第 {k} 列。教程先做 ReLU 再做最大池化；代码先做"
        "最大池化再做 ReLU，只需四分之一的计算：结果相同，因为 ReLU 不会改变四个数中哪个最大。",
    "**conv1, map {c}, row {r}, column {k}**: the 3 × 3 window of the input (rows {r}-{r2}, columns {k}-{k2}) times "
    "the map's 3 × 3 kernel, pixel by pixel (below), then added up.":
        "**conv1，第 {c} 个特征图，第 {r} 行第 {k} 列**：输入中的 3 × 3 窗口（第 {r}-{r2} 行，第 {k}-{k2} 列）与该"
        "特征图的 3 × 3 卷积核逐像素相乘（见下），再相加。",
    "**conv2, map {c}, row {r}, column {k}**: a 3 × 3 window in each of the 32 maps of pool1, each times its own "
    "3 × 3 kernel: 32 × 9 = 288 products. Below, one channel's nine products, and the 32 terms: each channel's nine "
    "products added up.":
        "**conv2，第 {c} 个特征图，第 {r} 行第 {k} 列**：在 pool1 的 32 个特征图上各取一个 3 × 3 窗口，各乘以自己的"
        " 3 × 3 卷积核：32 × 9 = 288 个乘积。下面是一个通道的九个乘积，以及 32 项：每个通道九个乘积之和。",
    "Max-pool drops this one: {layer}'s maps are 11 × 11, and 2 × 2 squares cover only the first 10 rows and columns "
    "(5 × 5 out).": "最大池化丢掉了这个位置：{layer} 的特征图是 11 × 11，2 × 2 的方块只覆盖前 10 行和前 10 列"
    "（输出 5 × 5）。",
    "→ max →": "→ 取最大 →",
    "its 2 × 2 square, after ReLU": "它所在的 2 × 2 方块（ReLU 之后）",
    "window (pixels, 0 to 1)": "窗口（像素，0 到 1）",
    "kernel (learned weights)": "卷积核（学到的权重）",
    "nine products": "九个乘积",
    "channel {k}'s window": "第 {k} 个通道的窗口",
    "its kernel": "它的卷积核",
    "sum {v}": "和 {v}",
    "the 32 terms, channel 0 to 31": "32 项，通道 0 到 31",
})

# the Train page
ZH.update({
    "Train a network to read handwriting": "训练一个识别手写数字的网络",
    "Recipe": "训练方案",
    "The tutorial's recipe as published: a constant learning rate, nothing added.":
        "教程原样的方案：学习率不变，不加任何技巧。",
    "SGD with momentum and a constant learning rate.": "带动量的 SGD，学习率不变。",
    "Adam with a one-cycle learning rate (it rises, then falls to nearly 0 by the last batch) and label smoothing "
    "0.05: 99 % after a single epoch at its starting settings.":
        "Adam 加单周期学习率（先升高，到最后一批降到接近 0）和 0.05 的标签平滑：用初始设置训练一轮即可达到 99 %。",
    "The shipped model's recipe: Adam with a cosine schedule, on digits shifted, tilted and redrawn thicker or "
    "thinner; on MNIST also digits drawn by the program in the world's handwriting styles, training digits redrawn "
    "as people's pictures, and shapes that are no digit, taught as \"not sure\". 60 epochs: about 24 minutes on a "
    "2-core CPU. The first such run draws those pictures (about 6 minutes) and keeps them for the next.":
        "自带模型的方案：Adam 加余弦学习率，数字会被平移、倾斜、加粗或变细；在 MNIST 上还加入程序按世界各地的书写风格"
        "写出的数字、像大家拍照或手写那样重新画过的训练数字，以及不是数字的图形（教它回答“没把握”）。训练 60 轮：在"
        "双核 CPU 上约 24 分钟。第一次这样训练时要先生成这些图像（约 6 分钟），之后会保留下来。",
    "Dataset": "数据集",
    "Epochs": "训练轮数",
    "Batch size": "批大小",
    "Learning rate": "学习率",
    "Optimizer": "优化器",
    "Seed": "随机种子",
    "The teacher starts and stops the runs; this page follows them live.": "训练由老师开始和停止；本页实时跟随。",
    "The network": "网络结构",
    "Finished in {time}: test accuracy {acc:.1%}.": "用时 {time} 完成：测试准确率 {acc:.1%}。",
    "Waiting for another run to finish.": "正在等待另一次训练结束。",
    "Log scale. The tutorial uses 0.01.": "对数刻度。教程用的是 0.01。",
    "Same seed and settings on the same device give the same numbers.":
        "在同一台设备上，相同的随机种子和设置会得到相同的结果。",
    "Start": "开始",
    "No run yet. The Draw page already works with the shipped model; press Start to train your own and watch the "
    "curves climb.": "还没有训练。“手写”页已经可以用自带模型识别；按“开始”训练你自己的模型，看曲线上升。",
    "No run yet. The Draw page already works with the shipped model: the teacher's run will appear here as it "
    "trains.": "还没有训练。“手写”页已经可以用自带模型识别：老师开始训练后，过程会实时显示在这里。",
    "Settings for the next run": "下一次训练的设置",
    "The class reads with this model.": "全班正在用这个模型识别。",
    "This run is not offered as a model: the class model is unchanged.": "这次训练不能作为模型使用：全班模型不变。",
    "Cannot start: {why}": "无法开始：{why}",
    "Back to the shipped model": "换回自带模型",
    "Use this run for the class": "用这次训练作为全班模型",
    "Training accuracy": "训练准确率",
    "Training loss": "训练损失",
    "The class model changes only when the teacher chooses it.": "只有老师选择时，全班模型才会改变。",
    "Starting…": "正在开始……",
    "Epoch {epoch} of {epochs} · batch {batch:,} of {batches:,} · {speed:,.0f} images/s · about {left} left":
        "第 {epoch}/{epochs} 轮 · 第 {batch:,}/{batches:,} 批 · 每秒 {speed:,.0f} 张图 · 约剩 {left}",
    "Stop": "停止",
})

# the Gallery, Evaluate, Model and Class pages, the views and charts, and their engine messages (zh_pages.py)
ZH, ERRORS = {**ZH, **ZH_PAGES}, ERRORS + ERRORS_PAGES
