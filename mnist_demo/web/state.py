"""What every page shares: cached data and the app's runs, who this session is, the model it reads with, the sidebar.

Everything heavy is built once per server with st.cache_resource and shared by all sessions: the datasets and the
runs (mnist_demo.runs.Runs, which decides everything about runs and models, and reads back the runs folder and the
class's settings when the server starts). A session's own st.session_state holds
only small values (flags, keys, a Pin), never tensors or models, so a closed tab leaves nothing behind.
"""

from __future__ import annotations

import html
import ipaddress
import json
import os
from urllib.parse import urlsplit

import streamlit as st
import torch

from mnist_demo.classset import ClassSet, default_path
from mnist_demo.data import Split, load_sample, load_split
from mnist_demo.errors import UserError
from mnist_demo.lesson import Lesson
from mnist_demo.messages import N_, Message
from mnist_demo.paths import data_dir as resolve_data_dir
from mnist_demo.runs import Model, Run, Runs, max_runs
from mnist_demo.train.device import describe, pick_device
from mnist_demo.web import i18n, push, teacher
from mnist_demo.web.address import public_url, qr_png, reachable, student_urls
from mnist_demo.web.i18n import t, tn
from mnist_demo.web.lesson import new_lesson
from mnist_demo.web.widgets import projector_style

LOCAL_TEACHER_ENV = "MNIST_DEMO_LOCAL_TEACHER"  # 0: a browser on the server's machine is a student like any other


@st.cache_resource(show_spinner=False)
def device() -> torch.device:
    return pick_device("auto")


@st.cache_resource(show_spinner=False)
def runs() -> Runs:
    """The app's runs and models, shared by every session of this server: yesterday's runs read back from the runs
    folder, the class model and the open class from the class set's file."""
    try:
        settings, why = ClassSet(default_path()), None
    except UserError as exc:
        settings, why = None, exc
    registry = Runs(device(), settings=settings)
    if why is not None:
        registry.notes.append(Message(N_("The class's settings (the class model, the open class) last only until "
                                         "the server stops: {why}"), why=why))
    return registry


@st.cache_resource(show_spinner=False)
def _dataset(name: str, train: bool, data_dir: str) -> Split:
    return load_split(name, train, data_dir)


def dataset(name: str, train: bool) -> tuple[Split | None, UserError | None]:
    """(split, None) or (None, the error, whose message says what to do: show it with i18n.error). Failures are not
    cached: files put in place while the app runs are found on the next rerun."""
    try:
        with st.spinner(t("Loading the dataset…")):
            return _dataset(name, train, str(resolve_data_dir())), None
    except UserError as exc:
        return None, exc


@st.cache_resource(show_spinner=False)
def sample() -> Split:
    return load_sample()


# --- teacher and students --------------------------------------------------------------------------------------

def on_this_machine() -> bool:
    """Whether this browser runs on the server's machine: a loopback peer (127.0.0.1 may arrive as ::ffff:127.0.0.1),
    or no peer at all (AppTest)."""
    ip = st.context.ip_address
    if not isinstance(ip, str):
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return (getattr(address, "ipv4_mapped", None) or address).is_loopback


def _cookie_role() -> str | None:
    """The role the server's signed cookie gives this browser (mnist_demo/web/teacher.py), or None."""
    try:
        cookies = st.context.cookies
    except Exception:  # AppTest and older servers have no cookies to read: no role from them
        return None
    value = cookies.get(teacher.COOKIE) if cookies is not None else None
    return teacher.role(value if isinstance(value, str) else None)


def is_teacher() -> bool:
    """Whether this session is the teacher's: its browser holds the teacher's cookie (the teacher link, or the code
    typed in the sidebar, in this browser), it opened the teacher link here, or it runs on the server's machine
    (unless $MNIST_DEMO_LOCAL_TEACHER=0, or this browser left the role). Decided once per session."""
    if "teacher" not in st.session_state:
        cookie = _cookie_role()
        given = st.query_params.get(teacher.CODE_PARAM)  # the door took a right code before the page ran
        passed = st.query_params.get(teacher.PASS_PARAM)
        local = os.environ.get(LOCAL_TEACHER_ENV, "1") != "0" and on_this_machine() and cookie != teacher.STUDENT
        st.session_state["teacher"] = (cookie == "teacher" or bool(given and teacher.code_matches(given))
                                       or bool(passed and teacher.redeem(passed)) or local)
        if given and not st.session_state["teacher"]:
            st.session_state["teacher_refused"] = True
        for param in (teacher.CODE_PARAM, teacher.PASS_PARAM, teacher.ROLE_PARAM):
            st.query_params.pop(param, None)  # the code stays off the projected address bar
    return st.session_state["teacher"]


def _go(params: dict[str, str]) -> None:
    """Send this browser to this page's address with `params` added, through the server's door (which sets the
    role cookie and takes them off again)."""
    pairs = ", ".join(f"[{json.dumps(k)}, {json.dumps(v)}]" for k, v in params.items())
    st.html(f"<script>(() => {{ const u = new URL(window.location.href); for (const [k, v] of [{pairs}]) "
            "u.searchParams.set(k, v); window.location.replace(u.toString()); })();</script>",
            unsafe_allow_javascript=True)


def may_train() -> bool:
    return runs().may_train(is_teacher())


# --- the model this session reads with -------------------------------------------------------------------------

def my_model(found: dict[str, Model] | None = None) -> Model | None:
    """This session's own choice while it exists, else the class model."""
    return runs().model_for(st.session_state.get("model_pin"), found)


def choose(key: str | None) -> None:
    """This session reads with `key` (None: follow the class model)."""
    st.session_state["model_pin"] = runs().choose(key)


# --- following the class live ----------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def lesson() -> Lesson:
    """The lesson the teacher leads, shared by every session of this server (mnist_demo.lesson)."""
    return new_lesson(default_path())


def version() -> tuple[int, int]:
    """What a page shows of the class, as two numbers: the runs' and the lesson's versions."""
    return runs().version, lesson().version


def mark_drawn() -> None:
    """Remember which state of the runs and the lesson this page was drawn from."""
    st.session_state["drawn_version"] = version()


def rerun_if_changed() -> None:
    """Redraw the whole page when something a page shows has changed since it was drawn (a run, the class model,
    the page or step the teacher leads to)."""
    if version() != st.session_state.get("drawn_version"):
        st.rerun()


@st.cache_resource(show_spinner=False)
def followers() -> push.Followers | None:
    """The server's watch over the open pages (mnist_demo.web.push), or None where it cannot rerun a page (AppTest):
    the pages then check each second themselves."""
    if not push.available():
        return None
    registry, class_lesson = runs(), lesson()
    watcher = push.Followers(lambda: (registry.version, class_lesson.version),
                             lambda page: push.rerun(page, watcher.drop, watcher.busy))
    return watcher.start()


def follow() -> None:
    """Redraw the whole page within a second of any change a page shows: a run starts, ends an epoch or ends, the
    class model changes, the teacher leads elsewhere. The server asks a page out of date to redraw (push.py): an
    idle page costs nothing while nothing changes. Called before the page's own code, so that a page that stops
    early is followed too."""
    watcher = followers()
    if watcher is None:
        _follow_each_second()
    else:
        _followed(watcher)


def follows_itself() -> None:
    """This page redraws itself each second (the Train page during a run): the server need not ask it."""
    watcher = followers()
    if watcher is not None and (session := push.session_id()) is not None:
        watcher.forget(session)


@st.fragment
def _followed(watcher: push.Followers) -> None:
    """Run when the page is drawn, and by the server when the class has changed since (push.Followers). In a whole
    page's run it only registers: the page is being drawn anyway, and a rerun before the page's own code would drop
    the click that started the run (a page drawn from a version that changed meanwhile is asked again)."""
    if push.fragment_run():
        rerun_if_changed()
    page = push.this_page(st.session_state.get("drawn_version"))
    if page is not None:
        watcher.drawn(page)


@st.fragment(run_every=1.0)
def _follow_each_second() -> None:
    """Where the server cannot push: a version comparison a second (AppTest); not in a whole page's run, as above."""
    if push.fragment_run():
        rerun_if_changed()


def ordinal(n: int) -> str:
    if i18n.language() == "zh":  # "排第 {nth} 位": the number alone
        return str(n)
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def run_status(run: Run) -> tuple[str, str]:
    """(icon, one line) saying how far a queued or training run has got."""
    snap = run.snapshot()
    if snap.state == "queued":
        limit = max_runs()
        line = t("{nth} in line", nth=ordinal(snap.queue_position)) if snap.queue_position else t("next")
        return ":material/hourglass_top:", tn("{name} is waiting ({line}): {n} run trains at a time.",
                                               "{name} is waiting ({line}): {n} runs train at a time.", limit,
                                               name=i18n.name(run.name), line=line)
    p = snap.progress
    kind, run_name = i18n.term(run.kind), i18n.name(run.name)
    if snap.state != "running" or p is None:
        return ":material/model_training:", t("{kind} {name}: starting.", kind=kind, name=run_name)
    return ":material/model_training:", t("{kind} {name}: epoch {epoch} of {epochs}.", kind=kind, name=run_name,
                                          epoch=p.epoch, epochs=p.epochs)


def projector() -> bool:
    """Projector mode: larger type, thicker lines, darker text. On with ?projector=1, or the sidebar's toggle."""
    if "projector" not in st.session_state:
        st.session_state["projector"] = st.query_params.get("projector") == "1"
    return st.session_state["projector"]


def sidebar() -> None:
    registry = runs()
    registry.refresh()  # checkpoints put in the runs folder join within seconds
    mark_drawn()
    registry.trim()
    found = registry.models()
    if projector():
        projector_style()
    with st.sidebar:
        i18n.switch()
        st.caption(t("Device"))
        st.markdown(f"**{i18n.error(describe(device()))}**")
        _model_picker(registry, found)
        for run in registry.alive():
            icon, line = run_status(run)
            st.info(line, icon=icon)
        _teacher_box()
        _lesson_switches()
        st.toggle(t("Projector mode"), key="projector",
                  help=t("Larger type and thicker lines, for the back of a room."))


def _lesson_switches() -> None:
    """The teacher's "Students follow me"; a following student's "Explore on my own"."""
    the_lesson, teacher = lesson(), is_teacher()
    if teacher:
        def switched() -> None:
            the_lesson.set_follow(bool(st.session_state.get("follow_me")), True)
            if the_lesson.follow:  # the class goes where this tab is, whatever a teacher's other tab showed last
                the_lesson.teacher_on(st.session_state.get("lesson_page", "train"), True)

        st.session_state["follow_me"] = the_lesson.follow
        st.toggle(t("Students follow me"), key="follow_me", on_change=switched,
                  help=t("Every student's page goes to the page and the step you are on, within two seconds."))
    elif the_lesson.follow:
        st.toggle(t("Explore on my own"), key="explore",
                  help=t("Off: your page follows the teacher's. On: go where you like; turn it off to come back."))


def _model_picker(registry: Runs, found: dict[str, Model]) -> None:
    st.caption(t("Model you read with"))
    class_model = registry.class_model(found)  # None when there is no model at all
    if class_model is None:
        _, why = registry.shipped()
        st.warning(t("No model yet. Train one on the Train page. ({why})", why=i18n.error(why)))
        return
    pin = st.session_state.get("model_pin")
    current = pin.key if pin is not None and pin.key in found else "class"
    keys = ["class"] + [k for k in found if k != class_model.key]
    # the box shows its choice on one line, cut short ("The class model: Ship…" in a sidebar): the class model's
    # entry is short, and the name of the model read with is written whole under the box
    label = {"class": t("The class model"), **{k: i18n.name(m.name) for k, m in found.items()}}
    choice = st.selectbox(t("Model you read with"), keys, index=keys.index(current) if current in keys else 0,
                          label_visibility="collapsed", format_func=label.__getitem__)
    if choice != current:
        choose(None if choice == "class" else choice)
        st.rerun()
    active = my_model(found) or class_model
    acc = f"{active.accuracy:.2%}" if active.accuracy is not None else t("unknown")
    st.markdown(f"**{html.escape(i18n.name(active.name))}**  \n"
                + t("Test accuracy **{acc}** on {dataset}", acc=acc, dataset=active.dataset))


def _open_class() -> None:
    """The teacher's switch that lets everyone train; kept with the class's settings."""
    registry = runs()
    chosen = st.toggle(t("Everyone may train"), value=registry.open_class,
                       help=t("Open class: every student can start and stop runs. Kept when the server restarts."))
    if chosen != registry.open_class:
        registry.set_open_class(chosen, is_teacher())
        st.rerun()


def _notes() -> None:
    """What the server has to tell the teacher: a class model given up and why, files it could not read back."""
    registry = runs()
    if not registry.notes:
        return
    for note in list(registry.notes)[-5:]:
        st.warning(i18n.error(note), icon=":material/report:")
    if st.button(t("Got it"), icon=":material/done:", width="stretch"):
        registry.dismiss_notes(is_teacher())
        st.rerun()


def join_urls() -> list[str]:
    """The addresses students open, best first: $MNIST_DEMO_PUBLIC_URL when set; else the address this browser
    used when it is one another device can reach (an IPv4 address on the network, not loopback nor a host name that
    only this machine resolves), then this machine's addresses on its networks (mnist_demo/web/address.py)."""
    public = public_url()
    if public:
        return [public]
    port = st.get_option("server.port")
    found = student_urls(port)
    url = st.context.url
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is not None and parts.scheme in ("http", "https") and parts.hostname and reachable(parts.hostname):
        used = f"{parts.scheme}://{parts.netloc}/"
        found = [used, *(u for u in found if u != used)]
    return found


def show_join(url: str) -> None:
    """The address and its QR code in a dialog, titled in the session's language (a title given at import would
    stay English)."""
    st.dialog(t("Join the class"), width="large")(_join)(url)


def _join(url: str) -> None:
    st.markdown(f"<div style='font-size:2.2rem;font-weight:700;text-align:center'>{html.escape(url)}</div>",
                unsafe_allow_html=True)
    _, middle, _ = st.columns([1, 4, 1])
    middle.image(qr_png(url, box=14), width="stretch")  # about 60 % of a 1280 x 720 projector's height


def _teacher_box() -> None:
    if is_teacher():
        you = t("You are the teacher.")
        st.caption(f":material/school: {you}")
        urls = join_urls()
        if not urls:
            st.warning(t("This machine has no address on a network (only loopback): connect it to the class's "
                         "network, then reload."), icon=":material/wifi_off:")
        else:
            st.markdown(t("Students open **{url}**", url=html.escape(urls[0])))
            if urls[1:]:
                st.caption(t("Or, on another network of this machine: {urls}", urls=", ".join(urls[1:])))
            if st.button(t("Show the QR code"), icon=":material/qr_code_2:", width="stretch"):
                show_join(urls[0])
        if st.session_state.pop("teacher_pass", None):
            _go({teacher.PASS_PARAM: teacher.issue_pass()})  # the cookie, so that a reload keeps the role
        if st.button(t("Leave the teacher role"), icon=":material/logout:", width="stretch",
                     help=t("This browser becomes a student's, also after a reload. The teacher link or the code "
                            "makes it the teacher again.")):
            st.session_state["teacher"] = False
            _go({teacher.ROLE_PARAM: teacher.STUDENT})
        _open_class()
        _notes()
        return
    with st.expander(t("Teacher"), icon=":material/school:", expanded=bool(st.session_state.get("teacher_refused"))):
        if st.session_state.get("teacher_refused"):
            st.warning(t("The code in that teacher link is not this server's: type the code it printed when it "
                         "started."), icon=":material/key_off:")
        code = st.text_input(t("Teacher code"), type="password", max_chars=64)
        if code and teacher.code_matches(code):
            st.session_state["teacher"] = True
            st.session_state["teacher_pass"] = True
            st.session_state.pop("teacher_refused", None)
            st.rerun()
        elif code:
            st.error(t("That is not the teacher code."))
