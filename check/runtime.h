/* runtime: which container runtime (and orchestrator) this process runs
 * under, with the evidence for each conclusion: Docker/runc, containerd,
 * podman/crun, sysbox-runc, gVisor, LXC, Kubernetes, ECS, or none (a plain
 * host). Gathering reads files and the environment; classifying is pure, so
 * it can be tested with made-up facts. */
#ifndef JAILINIT_RUNTIME_H
#define JAILINIT_RUNTIME_H

#include <stddef.h>

enum rt_engine { RT_NONE = 0, RT_CONTAINER, RT_DOCKER, RT_CONTAINERD, RT_PODMAN, RT_SYSBOX, RT_GVISOR, RT_LXC };
enum rt_orchestrator { RT_ORCH_NONE = 0, RT_ORCH_KUBERNETES, RT_ORCH_ECS };

/* What is looked at. Strings are "" when absent; flags 0/1. */
struct runtime_facts {
	int dockerenv;          /* /.dockerenv exists */
	int containerenv;       /* /run/.containerenv exists (podman) */
	char container_env[32]; /* $container (podman, lxc, systemd-nspawn ...) */
	char self_cgroup[512];  /* /proc/self/cgroup */
	char init_cgroup[512];  /* /proc/1/cgroup */
	int sysboxfs;           /* a sysboxfs mount in /proc/self/mountinfo */
	char root_fstype[24];   /* file system type of "/" (overlay in most containers) */
	char uid_map[256];      /* /proc/self/uid_map */
	char kernel_release[65];
	char kernel_version[65];
	int k8s_env;            /* KUBERNETES_SERVICE_HOST set */
	int k8s_sa;             /* /var/run/secrets/kubernetes.io/serviceaccount exists */
	int ecs_env;            /* ECS_CONTAINER_METADATA_URI[_V4] set */
	int netfilter_errno;    /* socket(AF_NETLINK, NETLINK_NETFILTER) errno, 0 = worked, -1 = not tried */
};

#define RUNTIME_MAX_EVIDENCE 8
struct runtime_info {
	enum rt_engine engine;
	enum rt_orchestrator orchestrator;
	int userns;            /* uid_map is not the identity of the whole range */
	int n_evidence;
	char evidence[RUNTIME_MAX_EVIDENCE][112];
};

/* socket(AF_NETLINK, NETLINK_NETFILTER): 0 when it opens, else its errno
 * (gVisor: EPROTONOSUPPORT). The caller tries it once and passes the answer
 * to the gatherers below. */
int runtime_netfilter_errno(void);
/* Only what recognising gVisor needs (uname, and netfilter_errno as given,
 * -1 when not tried); the rest is left "" / 0. Cheap enough for the quick
 * check. */
void runtime_gather_kernel(struct runtime_facts *f, int netfilter_errno);
/* All of the facts above: the files, the environment, uname. */
void runtime_gather(struct runtime_facts *f, int netfilter_errno);
void runtime_classify(const struct runtime_facts *f, struct runtime_info *r);
/* Pure helper: the file system type mounted at "/" in mountinfo text. */
void runtime_root_fstype(const char *mountinfo, char *out, size_t cap);

/* "docker", "containerd", "podman", "sysbox", "gvisor", "lxc", "container"
 * (unknown kind), "none". */
const char *runtime_engine_name(enum rt_engine e);
/* "kubernetes", "ecs", or NULL. */
const char *runtime_orchestrator_name(enum rt_orchestrator o);
/* What the fixes are written for: the orchestrator when there is one, else
 * the engine. */
const char *runtime_name(const struct runtime_info *r);

#endif
