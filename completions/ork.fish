# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ork_global_optspecs
    string join \n server= token= config= context= certificate-authority= insecure-skip-tls-verify n/namespace= log-level= h/help V/version
end

function __fish_ork_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ork_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ork_using_subcommand
    set -l cmd (__fish_ork_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ork -n "__fish_ork_needs_command" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_needs_command" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_needs_command" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_needs_command" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_needs_command" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_needs_command" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_needs_command" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_needs_command" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_needs_command" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_needs_command" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_needs_command" -f -a "up" -d 'Start a whole cluster on this machine: control daemon, node daemon(s), embedded SQLite'
complete -c ork -n "__fish_ork_needs_command" -f -a "down" -d 'Stop every pod that `ork up` left running in a data dir, remove its machines (`--purge`: and delete the cluster)'
complete -c ork -n "__fish_ork_needs_command" -f -a "chaos" -d 'Break the machines of `ork up --machines docker` on purpose: kill, restart, pause, partition, flap'
complete -c ork -n "__fish_ork_needs_command" -f -a "control" -d 'Run the control daemon: API, store, scheduler, controllers'
complete -c ork -n "__fish_ork_needs_command" -f -a "node" -d 'Run a node daemon that joins a control daemon and runs pods'
complete -c ork -n "__fish_ork_needs_command" -f -a "apply" -d 'Create or update objects from manifests (file, directory, or - for stdin)'
complete -c ork -n "__fish_ork_needs_command" -f -a "get" -d 'List objects, or show some by name'
complete -c ork -n "__fish_ork_needs_command" -f -a "describe" -d 'Show one object in detail, with its events'
complete -c ork -n "__fish_ork_needs_command" -f -a "delete" -d 'Delete objects by name, by label, or as listed in manifests'
complete -c ork -n "__fish_ork_needs_command" -f -a "scale" -d 'Set the replicas of a Deployment or ReplicaSet'
complete -c ork -n "__fish_ork_needs_command" -f -a "rollout" -d 'Follow, list, undo, restart, pause or resume a Deployment\'s rollouts'
complete -c ork -n "__fish_ork_needs_command" -f -a "cordon" -d 'Mark a node unschedulable: no new pods go there'
complete -c ork -n "__fish_ork_needs_command" -f -a "uncordon" -d 'Mark a node schedulable again'
complete -c ork -n "__fish_ork_needs_command" -f -a "why" -d 'Explain where a pod can go: every node\'s verdict, and what would make it fit'
complete -c ork -n "__fish_ork_needs_command" -f -a "taint" -d 'Add or remove node taints (`ork taint node N dedicated=gpu:NoSchedule`, `... dedicated-`)'
complete -c ork -n "__fish_ork_needs_command" -f -a "drain" -d 'Cordon a node and move its pods elsewhere, waiting until they run there'
complete -c ork -n "__fish_ork_needs_command" -f -a "logs" -d 'Print the logs of a pod\'s container, of a workload\'s first pod (`deployment/NAME`), or of every pod matching -l'
complete -c ork -n "__fish_ork_needs_command" -f -a "exec" -d 'Run a command in a running container (`ork exec POD -- CMD...`; `-it` for a shell)'
complete -c ork -n "__fish_ork_needs_command" -f -a "port-forward" -d 'Forward local ports to a pod\'s (`ork port-forward pod/web 8080:80`), until Ctrl-C'
complete -c ork -n "__fish_ork_needs_command" -f -a "autoscale" -d 'Create a HorizontalPodAutoscaler for a Deployment or ReplicaSet'
complete -c ork -n "__fish_ork_needs_command" -f -a "create" -d 'Create an object from command-line sources: `ork create configmap NAME --from-literal k=v`, `ork create deployment NAME --image=IMG`, `ork create namespace NAME`'
complete -c ork -n "__fish_ork_needs_command" -f -a "edit" -d 'Edit an object in your editor ($KUBE_EDITOR, $EDITOR, vi) and send the change'
complete -c ork -n "__fish_ork_needs_command" -f -a "run" -d 'Run an image in a new Pod: `ork run web --image=nginx --port=80`'
complete -c ork -n "__fish_ork_needs_command" -f -a "expose" -d 'Make a Service for a deployment\'s, replicaset\'s, pod\'s or service\'s pods'
complete -c ork -n "__fish_ork_needs_command" -f -a "set" -d 'Change one field of containers: `ork set image deployment/web main=IMG`, `ork set env deployment/web K=V K2-`'
complete -c ork -n "__fish_ork_needs_command" -f -a "token" -d 'Make, list and revoke tokens: join tokens for nodes, bearer tokens with a role for users'
complete -c ork -n "__fish_ork_needs_command" -f -a "user" -d 'Issue a user a client certificate with a role, as a kubeconfig: `ork user create alice --role edit --out alice.kubeconfig`'
complete -c ork -n "__fish_ork_needs_command" -f -a "secret" -d 'Manage Secrets\' encryption at rest: `ork secret rotate-key`'
complete -c ork -n "__fish_ork_needs_command" -f -a "top" -d 'Show CPU and memory in use by nodes or pods'
complete -c ork -n "__fish_ork_needs_command" -f -a "events" -d 'List events, newest last'
complete -c ork -n "__fish_ork_needs_command" -f -a "bench" -d 'Measure ork: `ork bench scheduler [--nodes 5000 --warm 1000 --pods 10000]`'
complete -c ork -n "__fish_ork_needs_command" -f -a "tui" -d 'The live dashboard: watch pods, deployments, nodes, events and failovers; scale, roll back, drain'
complete -c ork -n "__fish_ork_needs_command" -f -a "explain" -d 'Describe a kind\'s fields from its schema: `ork explain deployment.spec.strategy`'
complete -c ork -n "__fish_ork_needs_command" -f -a "version" -d 'Print the client and server versions'
complete -c ork -n "__fish_ork_needs_command" -f -a "config" -d 'Show the client config (a kubeconfig) or its path: `ork config view`, `ork config path`'
complete -c ork -n "__fish_ork_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c ork -n "__fish_ork_needs_command" -f -a "backup" -d 'Write a consistent snapshot of every object to a file (admins only; Secrets stay sealed)'
complete -c ork -n "__fish_ork_needs_command" -f -a "restore" -d 'Make a new control daemon data dir from a backup (offline)'
complete -c ork -n "__fish_ork_needs_command" -f -a "migrate" -d 'Copy a stopped control daemon\'s store into a new one, verified (offline)'
complete -c ork -n "__fish_ork_needs_command" -f -a "image" -d 'Build images locally, without a registry: `ork image build-busybox`'
complete -c ork -n "__fish_ork_needs_command" -f -a "shim" -d 'Runs one container process and records how it ended (used by the process runtime)'
complete -c ork -n "__fish_ork_needs_command" -f -a "pause" -d 'Waits for SIGTERM (the process of the docker runtime\'s pod sandbox)'
complete -c ork -n "__fish_ork_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand up" -l data-dir -d 'Where the database, tokens and container state live' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l listen -d 'Address of the API' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l nodes -d 'Run N node daemons, each as its own child process (default: one, in this process)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l runtime -d 'How pods run' -r -f -a "auto\t'Docker when an engine answers (DOCKER_HOST or the default socket), else process'
process\t'Containers as plain host processes (`command` + `args`; the image is not used)'
docker\t'Containers through the Docker engine; fails when no engine answers'
fake\t'Runs nothing, reports Running: hollow nodes for tests and benchmarks'"
complete -c ork -n "__fish_ork_using_subcommand up" -l node-grace -d 'Silence after which a node counts as NotReady' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l service-cidr -d 'The range Services\' cluster IPs are allocated from (IPv4, /8 to /28; its tenth address is kept for the cluster DNS service)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l allow-host-path -d 'A host directory pods may mount with `hostPath` (repeatable; none by default)' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l pod-user -d 'Who process pods run as unless their securityContext says (default: nobody; the node\'s own user when it does not run as root)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l cluster-domain -d 'The cluster domain names are served under [default: cluster.local]' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l dns-addr -d 'Where the node serves cluster DNS, on the host and inside each Docker pod [default: 127.77.0.10:53]' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l dns-upstream -d 'A resolver for names outside the cluster (repeatable; default: the nameservers of the node\'s /etc/resolv.conf)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l tls-san -d 'Another name or address the API\'s certificate covers (repeatable); the listen address, hostname, machine addresses and localhost always are' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l tls-cert -d 'Serve this certificate chain (PEM, ending with its CA) instead of one from the cluster CA' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l tls-key -d 'The key of --tls-cert (PEM)' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l cert-validity -d 'How long the certificates the cluster CA issues (the API\'s, nodes\') are valid; each renews itself in the last third' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l machines -d 'Run each node daemon on a machine of its own: `docker` (a container per node on a private network, pods run inside it by the process runtime). `ork down` removes the machines; `ork chaos` breaks them' -r -f -a "docker\t'A Docker container per node on a private Docker network'"
complete -c ork -n "__fish_ork_using_subcommand up" -l cluster -d 'With --machines: the prefix of the Docker objects\' names (network, containers)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l fence-after -d 'Cut off from the control daemon this long, a node stops its pods (the control daemon has replaced them) [default: twice --node-grace]' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l ingress-port -d 'The port Ingresses are served on over HTTP, on every address of the node (0: off). `ork up --nodes N` gives node i this port + i - 1' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l ingress-tls-port -d 'The port Ingresses are served on over HTTPS (certificates from their kubernetes.io/tls Secrets, by SNI; 0: off). `ork up --nodes N` gives node i this port + i - 1' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l store -d '`sqlite` (the file in the data dir) or `etcd://HOST:PORT[,HOST:PORT…]` (an etcd cluster several control daemons share; one of them leads)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l store-prefix -d 'Key prefix in etcd, so several clusters can share one etcd' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l etcd-ca -d 'CA certificate (PEM) of the etcd members: connect to etcd over TLS' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l etcd-cert -d 'Client certificate (PEM) for etcd\'s client-certificate auth' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l etcd-key -d 'The key of --etcd-cert (PEM)' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l cluster-secret-file -d 'File holding the cluster secret (or set ORK_CLUSTER_SECRET): every control daemon on one etcd is given the same; it seals the CA, the tokens and the Secrets key they share' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l leader-term -d 'How long the leader\'s lease lasts unrenewed (it renews every second); a dead leader is replaced after about this long' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l watch-history-bytes -d 'Memory for recent changes that watches resume from (`64Mi`, `512Ki`…); past it the oldest go first' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l watch-queue-bytes -d 'Memory one watcher may hold in changes it has not read; a watcher further behind is ended with 410 Gone and lists again' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand up" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand up" -l allow-root-pods -d 'Let pods run as root (uid or gid 0) on the node itself (process pods with runAsUser: 0, or --pod-user root)'
complete -c ork -n "__fish_ork_using_subcommand up" -l no-cluster-dns -d 'Serve no cluster DNS: pods keep the engine\'s resolv.conf'
complete -c ork -n "__fish_ork_using_subcommand up" -l control-in-container -d 'With --machines: run the control daemon in a container too (default: on this host)'
complete -c ork -n "__fish_ork_using_subcommand up" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ork -n "__fish_ork_using_subcommand up" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand down" -l data-dir -r -F
complete -c ork -n "__fish_ork_using_subcommand down" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand down" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand down" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand down" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand down" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand down" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand down" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand down" -l purge -d 'Also delete the cluster: its data dir (database, CA, tokens, pods\' files) and its context in the client config, so the next `ork up` starts empty'
complete -c ork -n "__fish_ork_using_subcommand down" -s y -l yes -d 'Do not ask before --purge deletes anything'
complete -c ork -n "__fish_ork_using_subcommand down" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand down" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand down" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "kill" -d 'SIGKILL a machine (`node-2`), or the control daemon (`control`): its pods die with it'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "restart" -d 'Start a killed machine (or the control daemon) again'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "pause" -d 'Freeze a machine: every process in it stops, nothing exits'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "resume" -d 'Thaw a paused machine'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "partition" -d 'Cut a machine off the network (control daemon and other nodes); it keeps running'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "heal" -d 'Connect a partitioned machine again, at its address'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "flap" -d 'Partition and heal a machine in turn: `--period` cut, `--period` connected'
complete -c ork -n "__fish_ork_using_subcommand chaos; and not __fish_seen_subcommand_from kill restart pause resume partition heal flap help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from kill" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from pause" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from resume" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l for -d 'Heal after this long (default: stay cut until `ork chaos heal`)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from partition" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from heal" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l period -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l for -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l data-dir -d 'The data dir of the `ork up --machines docker` cluster' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from flap" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "kill" -d 'SIGKILL a machine (`node-2`), or the control daemon (`control`): its pods die with it'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Start a killed machine (or the control daemon) again'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Freeze a machine: every process in it stops, nothing exits'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Thaw a paused machine'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "partition" -d 'Cut a machine off the network (control daemon and other nodes); it keeps running'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "heal" -d 'Connect a partitioned machine again, at its address'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "flap" -d 'Partition and heal a machine in turn: `--period` cut, `--period` connected'
complete -c ork -n "__fish_ork_using_subcommand chaos; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand control" -l data-dir -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l listen -r
complete -c ork -n "__fish_ork_using_subcommand control" -l node-grace -r
complete -c ork -n "__fish_ork_using_subcommand control" -l hpa-sync-period -d 'How often HorizontalPodAutoscalers are evaluated' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l scheduling-strategy -d '`spread` (least-allocated: emptiest nodes first) or `binpack` (most-allocated: fill nodes before using more)' -r -f -a "spread\t''
binpack\t''"
complete -c ork -n "__fish_ork_using_subcommand control" -l service-cidr -d 'The range Services\' cluster IPs are allocated from (IPv4, /8 to /28; its tenth address is kept for the cluster DNS service)' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l tls-san -d 'Another name or address the API\'s certificate covers (repeatable); the listen address, hostname, machine addresses and localhost always are' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l tls-cert -d 'Serve this certificate chain (PEM, ending with its CA) instead of one from the cluster CA' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l tls-key -d 'The key of --tls-cert (PEM)' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l cert-validity -d 'How long the certificates the cluster CA issues (the API\'s, nodes\') are valid; each renews itself in the last third' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l audit-log -d 'What the audit log (DATA/audit.log) records: `metadata` (who did what to which object, and the answer; never bodies) or `off`' -r -f -a "off\t'Nothing'
metadata\t'Who did what to which object, and the answer; never bodies'"
complete -c ork -n "__fish_ork_using_subcommand control" -l backup-schedule -d 'Write a backup this often (e.g. 1h); none by default' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l backup-keep -d 'Scheduled backups kept; older ones are deleted' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l backup-dir -d 'Where scheduled backups go [default: DATA_DIR/backups]' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l store -d '`sqlite` (the file in the data dir) or `etcd://HOST:PORT[,HOST:PORT…]` (an etcd cluster several control daemons share; one of them leads)' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l store-prefix -d 'Key prefix in etcd, so several clusters can share one etcd' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l etcd-ca -d 'CA certificate (PEM) of the etcd members: connect to etcd over TLS' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l etcd-cert -d 'Client certificate (PEM) for etcd\'s client-certificate auth' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l etcd-key -d 'The key of --etcd-cert (PEM)' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l cluster-secret-file -d 'File holding the cluster secret (or set ORK_CLUSTER_SECRET): every control daemon on one etcd is given the same; it seals the CA, the tokens and the Secrets key they share' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l leader-term -d 'How long the leader\'s lease lasts unrenewed (it renews every second); a dead leader is replaced after about this long' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l watch-history-bytes -d 'Memory for recent changes that watches resume from (`64Mi`, `512Ki`…); past it the oldest go first' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l watch-queue-bytes -d 'Memory one watcher may hold in changes it has not read; a watcher further behind is ended with 410 Gone and lists again' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l event-ttl -d 'How long an Event is kept after it last happened' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l max-events -d 'How many Events the cluster keeps; past it the oldest are evicted' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand control" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand control" -l metrics-public -d 'Serve /metrics without a token (for a Prometheus that has none)'
complete -c ork -n "__fish_ork_using_subcommand control" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand control" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ork -n "__fish_ork_using_subcommand control" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand node" -l join -d 'URL of the control daemon; several, separated by commas, for a node that moves to the next one when its current one stops answering' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l token-file -d 'File holding the node join token (the control daemon\'s node.token); or give the token itself with --token' -r -F
complete -c ork -n "__fish_ork_using_subcommand node" -l name -d 'Node name (default: the hostname)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l data-dir -d 'Where this node keeps container state and logs' -r -F
complete -c ork -n "__fish_ork_using_subcommand node" -l runtime -d 'How pods run' -r -f -a "auto\t'Docker when an engine answers (DOCKER_HOST or the default socket), else process'
process\t'Containers as plain host processes (`command` + `args`; the image is not used)'
docker\t'Containers through the Docker engine; fails when no engine answers'
fake\t'Runs nothing, reports Running: hollow nodes for tests and benchmarks'"
complete -c ork -n "__fish_ork_using_subcommand node" -l capacity -d 'Capacity to report instead of the machine\'s, e.g. cpu=32,memory=128Gi, and extended resources the node advertises, e.g. example.com/dongle=4 (pods requesting one are placed only on nodes advertising enough of it)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l label -d 'A label for the Node (repeatable), e.g. --label zone=a' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l taint -d 'A taint for the Node (repeatable), e.g. --taint dedicated=gpu:NoSchedule' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l usage-interval -d 'How often the node samples and reports CPU and memory usage' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l allow-host-path -d 'A host directory pods may mount with `hostPath` (repeatable; none by default)' -r -F
complete -c ork -n "__fish_ork_using_subcommand node" -l pod-user -d 'Who process pods run as unless their securityContext says (default: nobody; the node\'s own user when it does not run as root)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l cluster-domain -d 'The cluster domain names are served under [default: cluster.local]' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l dns-addr -d 'Where the node serves cluster DNS, on the host and inside each Docker pod [default: 127.77.0.10:53]' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l dns-upstream -d 'A resolver for names outside the cluster (repeatable; default: the nameservers of the node\'s /etc/resolv.conf)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l node-grace -d 'Silence after which the control daemon counts this node as NotReady (give the control daemon\'s --node-grace); cut off longer, the node stops reporting Ready' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l fence-after -d 'Cut off from the control daemon this long, the node stops its pods (unless annotated `ork.dev/never-fence: "true"`), which the control daemon has replaced elsewhere [default: twice --node-grace]' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l pods-dir -d 'Where pods\' files go (volumes, working directories, claims), outside the private data dir [default: /var/lib/ork/pods/<node id> as root, DIR/pods otherwise]' -r -F
complete -c ork -n "__fish_ork_using_subcommand node" -l ingress-port -d 'The port Ingresses are served on over HTTP, on every address of the node (0: off). `ork up --nodes N` gives node i this port + i - 1' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l ingress-tls-port -d 'The port Ingresses are served on over HTTPS (certificates from their kubernetes.io/tls Secrets, by SNI; 0: off). `ork up --nodes N` gives node i this port + i - 1' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand node" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand node" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand node" -l exit-with-parent -d 'Exit when the parent process exits (used by `ork up --nodes`)'
complete -c ork -n "__fish_ork_using_subcommand node" -l allow-root-pods -d 'Let pods run as root (uid or gid 0) on the node itself (process pods with runAsUser: 0, or --pod-user root)'
complete -c ork -n "__fish_ork_using_subcommand node" -l no-cluster-dns -d 'Serve no cluster DNS: pods keep the engine\'s resolv.conf'
complete -c ork -n "__fish_ork_using_subcommand node" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand node" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ork -n "__fish_ork_using_subcommand node" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand apply" -s f -l filename -d 'Manifest file, directory, or - for stdin (repeatable)' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l dry-run -d '`server` (or bare `--dry-run`): check everything on the server and show what would change, changing nothing; `client`: check the manifests here and send nothing; `none`: apply (the default)' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l validate -d 'How to treat unknown fields: strict (error), warn, or ignore' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand apply" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand apply" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand apply" -s R -l recursive -d 'Also read subdirectories'
complete -c ork -n "__fish_ork_using_subcommand apply" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand apply" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand apply" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand get" -s o -l output -d 'Output format: wide, json, yaml, name, jsonpath=TEMPLATE, jsonpath-file=FILE, custom-columns=HEADER:PATH,..., custom-columns-file=FILE' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l sort-by -d 'Sort by the value at a JSONPath (`.metadata.creationTimestamp`, `.status.containerStatuses[0].restartCount`)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -s l -l selector -d 'Only objects whose labels match (`app=web,tier!=db,env in (a,b)`)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l field-selector -d 'Only objects whose fields match (`spec.nodeName=n1`, `status.phase!=Running`)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand get" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand get" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand get" -l show-labels -d 'A LABELS column with every label, last'
complete -c ork -n "__fish_ork_using_subcommand get" -s A -l all-namespaces -d 'List across all namespaces'
complete -c ork -n "__fish_ork_using_subcommand get" -s w -l watch -d 'After listing, keep printing changes'
complete -c ork -n "__fish_ork_using_subcommand get" -l no-headers -d 'Leave out the header line'
complete -c ork -n "__fish_ork_using_subcommand get" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand get" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand get" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand describe" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand describe" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand describe" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand describe" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand describe" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand describe" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand describe" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand describe" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand describe" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand describe" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand delete" -s f -l filename -d 'Delete what these manifests describe' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -s l -l selector -d 'Delete every object of the kind matching this label selector' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l grace-period -d 'Seconds a pod gets to stop (default: its terminationGracePeriodSeconds)' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l cascade -d 'What happens to owned objects: background (deleted), orphan (kept), foreground' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l wait -d 'Wait until the objects are gone (`--wait=false`: return once the deletion is accepted)' -r -f -a "true\t''
false\t''"
complete -c ork -n "__fish_ork_using_subcommand delete" -l timeout -d 'How long to wait' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand delete" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand delete" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand delete" -s R -l recursive
complete -c ork -n "__fish_ork_using_subcommand delete" -l all -d 'Delete every object of the kind in the namespace'
complete -c ork -n "__fish_ork_using_subcommand delete" -l force -d 'Remove at once, without waiting for pods to stop (grace period 0)'
complete -c ork -n "__fish_ork_using_subcommand delete" -l ignore-not-found -d 'Do not fail when an object does not exist'
complete -c ork -n "__fish_ork_using_subcommand delete" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand delete" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand delete" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand scale" -l replicas -d 'The new number of replicas' -r
complete -c ork -n "__fish_ork_using_subcommand scale" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand scale" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand scale" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand scale" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand scale" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand scale" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand scale" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand scale" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand scale" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand scale" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "status" -d 'Follow a rollout until it completes; exit non-zero if it fails or is rolled back'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "history" -d 'List the revisions of a deployment, or show one'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "undo" -d 'Go back to the previous revision, or to a given one'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "restart" -d 'Replace every pod, one step at a time, with the same template'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "pause" -d 'Stop rolling out template changes (scaling still works)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "resume" -d 'Roll out again'
complete -c ork -n "__fish_ork_using_subcommand rollout; and not __fish_seen_subcommand_from status history undo restart pause resume help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l timeout -d 'Give up after this long' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l revision -d 'Show the pod template of this revision' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l to-revision -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from restart" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from resume" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "status" -d 'Follow a rollout until it completes; exit non-zero if it fails or is rolled back'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "history" -d 'List the revisions of a deployment, or show one'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "undo" -d 'Go back to the previous revision, or to a given one'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Replace every pod, one step at a time, with the same template'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Stop rolling out template changes (scaling still works)'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Roll out again'
complete -c ork -n "__fish_ork_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand cordon" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand cordon" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand cordon" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand cordon" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand cordon" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand cordon" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand cordon" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand cordon" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand cordon" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand cordon" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand uncordon" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand uncordon" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand uncordon" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand uncordon" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand why" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand why" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand why" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand why" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand why" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand why" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand why" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand why" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand why" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand why" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand taint" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand taint" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand taint" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand taint" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand taint" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand taint" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand taint" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand taint" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand taint" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand taint" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand drain" -l timeout -d 'Give up after this long' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l grace-period -d 'Seconds each pod gets to stop (default: its own terminationGracePeriodSeconds)' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand drain" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand drain" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand drain" -l force -d 'Also delete pods that no controller will replace'
complete -c ork -n "__fish_ork_using_subcommand drain" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand drain" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand drain" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand logs" -s c -l container -d 'The container (needed when the pod has several)' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -s l -l selector -d 'Every pod matching this label selector (`app=web`); lines are prefixed `[pod/NAME/CONTAINER]`' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l max-log-requests -d 'How many logs to follow at once with -l -f' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l tail -d 'Only the last N lines' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand logs" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand logs" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand logs" -l all-containers -d 'Every container of the pod(s)'
complete -c ork -n "__fish_ork_using_subcommand logs" -l prefix -d 'Prefix each line with `[pod/NAME/CONTAINER]` (always on with -l)'
complete -c ork -n "__fish_ork_using_subcommand logs" -s f -l follow -d 'Keep printing new output'
complete -c ork -n "__fish_ork_using_subcommand logs" -s p -l previous -d 'The logs of the previous instance (before its last restart)'
complete -c ork -n "__fish_ork_using_subcommand logs" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand logs" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand logs" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand exec" -s c -l container -d 'The container (needed when the pod has several)' -r
complete -c ork -n "__fish_ork_using_subcommand exec" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand exec" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand exec" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand exec" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand exec" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand exec" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand exec" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand exec" -s i -l stdin -d 'Pass stdin to the command'
complete -c ork -n "__fish_ork_using_subcommand exec" -s t -l tty -d 'Give the command a terminal'
complete -c ork -n "__fish_ork_using_subcommand exec" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand exec" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand exec" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l address -d 'The local address to listen on' -r
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand port-forward" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand port-forward" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand port-forward" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand port-forward" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l min -d 'Fewest replicas' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l max -d 'Most replicas' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l cpu-percent -d 'Average CPU utilization (percent of requests) to aim for; default 80' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l name -d 'Name of the autoscaler (default: the target\'s)' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand autoscale" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand autoscale" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand autoscale" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand autoscale" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "configmap" -d 'A ConfigMap from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "cm" -d 'A ConfigMap from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "deployment" -d 'A Deployment running an image: `ork create deployment web --image=nginx --replicas=2`'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "deploy" -d 'A Deployment running an image: `ork create deployment web --image=nginx --replicas=2`'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "namespace" -d 'A Namespace'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "ns" -d 'A Namespace'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "secret" -d 'A Secret (`generic`) from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "job" -d 'A Job running an image once: `ork create job once --image=busybox -- date`'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "cronjob" -d 'A CronJob: `ork create cronjob hello --image=busybox --schedule=\'*/1 * * * *\' -- date`'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "cj" -d 'A CronJob: `ork create cronjob hello --image=busybox --schedule=\'*/1 * * * *\' -- date`'
complete -c ork -n "__fish_ork_using_subcommand create; and not __fish_seen_subcommand_from configmap cm deployment deploy namespace ns secret job cronjob cj help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l from-literal -d 'A key and its value (repeatable)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l from-file -d 'A file (key: its name, or the KEY given) or every regular file of a directory (repeatable)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l from-env-file -d '`KEY=VALUE` lines of a file; blank lines and `#` comments are skipped (repeatable)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from configmap" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l from-literal -d 'A key and its value (repeatable)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l from-file -d 'A file (key: its name, or the KEY given) or every regular file of a directory (repeatable)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l from-env-file -d '`KEY=VALUE` lines of a file; blank lines and `#` comments are skipped (repeatable)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cm" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l image -d 'A container image (repeatable: one container each)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -s r -l replicas -d 'How many pods' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l port -d 'The port the containers expose' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deployment" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l image -d 'A container image (repeatable: one container each)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -s r -l replicas -d 'How many pods' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l port -d 'The port the containers expose' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from deploy" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from namespace" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from ns" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -f -a "generic" -d 'Keys and values from the same sources as a ConfigMap'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -f -a "docker-registry" -d 'Registry credentials for pods\' `imagePullSecrets` (`kubernetes.io/dockerconfigjson`), as kubectl makes them'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from secret" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l image -d 'The container image' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l from -d 'Make the Job from a CronJob\'s template: `cronjob/NAME`' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from job" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l image -d 'The container image' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l schedule -d 'When to run, in cron syntax: `*/5 * * * *`, `@hourly`' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l restart -d 'The pods\' restartPolicy: OnFailure or Never' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cronjob" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l image -d 'The container image' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l schedule -d 'When to run, in cron syntax: `*/5 * * * *`, `@hourly`' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l restart -d 'The pods\' restartPolicy: OnFailure or Never' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from cj" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "configmap" -d 'A ConfigMap from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "deployment" -d 'A Deployment running an image: `ork create deployment web --image=nginx --replicas=2`'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "namespace" -d 'A Namespace'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "secret" -d 'A Secret (`generic`) from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "job" -d 'A Job running an image once: `ork create job once --image=busybox -- date`'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "cronjob" -d 'A CronJob: `ork create cronjob hello --image=busybox --schedule=\'*/1 * * * *\' -- date`'
complete -c ork -n "__fish_ork_using_subcommand create; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand edit" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand edit" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand edit" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand edit" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand edit" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand edit" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand edit" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand edit" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand edit" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand edit" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand run" -l image -d 'The container image to run' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l port -d 'The port the container exposes' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l env -d 'An environment variable, KEY=VALUE (repeatable)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -s l -l labels -d 'Labels, `a=b,c=d` (instead of `run=NAME`)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l restart -d 'The pod\'s restart policy: Always, OnFailure or Never' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l image-pull-policy -d 'Always, IfNotPresent or Never' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand run" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand run" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand run" -l command -d 'The arguments after `--` are the command, not arguments to the image\'s entrypoint'
complete -c ork -n "__fish_ork_using_subcommand run" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand run" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand run" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand expose" -l port -d 'The Service\'s port (default: the ports the pods\' containers declare)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l target-port -d 'The pods\' port, a number or a container port\'s name (default: --port)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l type -d 'ClusterIP (default) or NodePort' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l name -d 'The Service\'s name (default: the exposed object\'s)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l protocol -d 'TCP (default) or UDP' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l dry-run -d '`client`: only print the object (`none`: create it, the default)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -s o -l output -d 'Print the object as yaml, json or name instead of a sentence' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand expose" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand expose" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand expose" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand expose" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand expose" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -f -a "image" -d 'Set containers\' images: `ork set image deployment/web main=nginx:1.27` (`*=IMAGE`: all)'
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -f -a "env" -d 'Set or remove containers\' environment variables: `ork set env deployment/web A=1 B-`'
complete -c ork -n "__fish_ork_using_subcommand set; and not __fish_seen_subcommand_from image env help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from image" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -s c -l containers -d 'Only the container of this name (default: all)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from env" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from help" -f -a "image" -d 'Set containers\' images: `ork set image deployment/web main=nginx:1.27` (`*=IMAGE`: all)'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from help" -f -a "env" -d 'Set or remove containers\' environment variables: `ork set env deployment/web A=1 B-`'
complete -c ork -n "__fish_ork_using_subcommand set; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Make a token and print it (it is shown once): a join token for `--role node` (`K10<ca hash>::<id>.<secret>`, for `ork node --token-file`), else a bearer token'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'List tokens: id, role, expiry, description (never the secret)'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke tokens by id: they stop working at once'
complete -c ork -n "__fish_ork_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l role -d '`node` (joins a node, nothing else), `admin`, `edit` (workloads, no Secrets read, no node changes) or `view` (reads all but Secrets)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l ttl -d 'How long it is valid (`0` for ever)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l description -d 'What it is for, shown by `ork token list`' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Make a token and print it (it is shown once): a join token for `--role node` (`K10<ca hash>::<id>.<secret>`, for `ork node --token-file`), else a bearer token'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "list" -d 'List tokens: id, role, expiry, description (never the secret)'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke tokens by id: they stop working at once'
complete -c ork -n "__fish_ork_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -f -a "create" -d 'Issue a client certificate for a user with a role (its key never leaves this machine) and write a kubeconfig holding it (0600)'
complete -c ork -n "__fish_ork_using_subcommand user; and not __fish_seen_subcommand_from create help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l role -d '`admin`, `edit` or `view`' -r
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l out -d 'Where to write the kubeconfig (default: print it)' -r -F
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "create" -d 'Issue a client certificate for a user with a role (its key never leaves this machine) and write a kubeconfig holding it (0600)'
complete -c ork -n "__fish_ork_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -f -a "rotate-key" -d 'Encrypt every Secret under a new key (the control daemon\'s secret.key then holds only the new key)'
complete -c ork -n "__fish_ork_using_subcommand secret; and not __fish_seen_subcommand_from rotate-key help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from rotate-key" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "rotate-key" -d 'Encrypt every Secret under a new key (the control daemon\'s secret.key then holds only the new key)'
complete -c ork -n "__fish_ork_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "nodes" -d 'CPU and memory of each node, and the share of its allocatable'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "node" -d 'CPU and memory of each node, and the share of its allocatable'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "no" -d 'CPU and memory of each node, and the share of its allocatable'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "pods" -d 'CPU and memory of each pod (or of each container with --containers)'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "pod" -d 'CPU and memory of each pod (or of each container with --containers)'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "po" -d 'CPU and memory of each pod (or of each container with --containers)'
complete -c ork -n "__fish_ork_using_subcommand top; and not __fish_seen_subcommand_from nodes node no pods pod po help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -s o -l output -r -f -a "table\t''
json\t''"
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from nodes" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -s o -l output -r -f -a "table\t''
json\t''"
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from node" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -s o -l output -r -f -a "table\t''
json\t''"
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from no" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -s l -l selector -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -s o -l output -r -f -a "table\t''
json\t''"
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -s A -l all-namespaces -d 'Across all namespaces'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l containers -d 'One line per container'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pods" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -s l -l selector -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -s o -l output -r -f -a "table\t''
json\t''"
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -s A -l all-namespaces -d 'Across all namespaces'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l containers -d 'One line per container'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from pod" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -s l -l selector -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -s o -l output -r -f -a "table\t''
json\t''"
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -s A -l all-namespaces -d 'Across all namespaces'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l containers -d 'One line per container'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from po" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from help" -f -a "nodes" -d 'CPU and memory of each node, and the share of its allocatable'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from help" -f -a "pods" -d 'CPU and memory of each pod (or of each container with --containers)'
complete -c ork -n "__fish_ork_using_subcommand top; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand events" -l for -d 'Only events about this object (KIND/NAME)' -r
complete -c ork -n "__fish_ork_using_subcommand events" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand events" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand events" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand events" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand events" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand events" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand events" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand events" -s A -l all-namespaces -d 'Across all namespaces'
complete -c ork -n "__fish_ork_using_subcommand events" -l warnings -d 'Only warnings'
complete -c ork -n "__fish_ork_using_subcommand events" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand events" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand events" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "scheduler" -d 'Pods placed per second on hollow nodes, then per-pod latency at a fixed offered rate (in process: scheduler + SQLite store binds)'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "startup" -d 'Create → Running through the real API with hollow nodes, at a fixed offered rate; also the control daemon\'s memory at the end'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "api" -d 'The API under concurrent clients: write throughput, mutating/get/list latency, and database size after many updates'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "footprint" -d 'Resident memory of an idle control daemon, an idle node daemon, and the control daemon holding many hollow nodes and pods'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "tui" -d 'The dashboard at many pods: frame time at 160x48, time to the first frame showing every pod from a cold start, and idle CPU'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "churn" -d 'Memory given back: cycles of large ConfigMaps (~1 MB of data, or as many labels as validation allows) created, patched and deleted; the control daemon\'s resident memory after each cycle, which must stay within 1.5× of the settled daemon\'s before the first (else exit 1)'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "daemonset" -d 'A DaemonSet on hollow nodes: time from its create to all its pods Running'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "job" -d 'A Job of many completions on hollow nodes: completions per second from create to Complete'
complete -c ork -n "__fish_ork_using_subcommand bench; and not __fish_seen_subcommand_from scheduler startup api footprint tui churn daemonset job help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l nodes -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l warm -d 'Pods placed before measuring' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l pods -d 'Pods measured for throughput (all created at once)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l rate -d 'Offered rate (pods/s) of the latency run' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l latency-pods -d 'Pods of the latency run' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from scheduler" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l nodes -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l pods -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l rate -d 'Offered rate, pods/s' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l store -d 'Run the control daemon on this etcd (`etcd://HOST:PORT[,…]`) under a new key prefix `/ork-bench-…`, which the report names' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from startup" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l objects -d 'Objects created first (and listed)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l clients -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l duration -d 'Length of the mixed create/replace/get/list run' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l rate -d 'Offered rate (requests/s, all clients together) of a second mix run that measures latency at a fixed load; 0 skips it' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l updates -d 'Updates made before the database size is measured' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l store -d 'Run the control daemon on this etcd (`etcd://HOST:PORT[,…]`) under a new key prefix `/ork-bench-…`, which the report names' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l policy -d 'Bind a ValidatingAdmissionPolicy to every pod write first, so each one is checked by CEL expressions (its cost shows in the write figures)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from api" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l nodes -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l pods -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from footprint" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l pods -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from tui" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l cycles -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l objects -d 'ConfigMaps of each kind (data, labels) per cycle' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l data-bytes -d 'Bytes of data in each data ConfigMap' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l patches -d 'Merge patches applied to each object before it is deleted' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l watch-history-bytes -d 'The control daemon\'s `--watch-history-bytes`. Small by default: the ring of recent changes deliberately keeps the last large objects alive, and this benchmark measures what is freed' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l allowed -d 'The factor of its starting memory a cycle may end at' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from churn" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l nodes -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from daemonset" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l nodes -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l completions -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l parallelism -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from job" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "scheduler" -d 'Pods placed per second on hollow nodes, then per-pod latency at a fixed offered rate (in process: scheduler + SQLite store binds)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "startup" -d 'Create → Running through the real API with hollow nodes, at a fixed offered rate; also the control daemon\'s memory at the end'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "api" -d 'The API under concurrent clients: write throughput, mutating/get/list latency, and database size after many updates'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "footprint" -d 'Resident memory of an idle control daemon, an idle node daemon, and the control daemon holding many hollow nodes and pods'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "tui" -d 'The dashboard at many pods: frame time at 160x48, time to the first frame showing every pod from a cold start, and idle CPU'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "churn" -d 'Memory given back: cycles of large ConfigMaps (~1 MB of data, or as many labels as validation allows) created, patched and deleted; the control daemon\'s resident memory after each cycle, which must stay within 1.5× of the settled daemon\'s before the first (else exit 1)'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "daemonset" -d 'A DaemonSet on hollow nodes: time from its create to all its pods Running'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "job" -d 'A Job of many completions on hollow nodes: completions per second from create to Complete'
complete -c ork -n "__fish_ork_using_subcommand bench; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand tui" -l view -d 'The first view: pods, deploy, rs, nodes, svc, events, ns or failover' -r
complete -c ork -n "__fish_ork_using_subcommand tui" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand tui" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand tui" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand tui" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand tui" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand tui" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand tui" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand tui" -s A -l all-namespaces -d 'Start with every namespace shown'
complete -c ork -n "__fish_ork_using_subcommand tui" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand tui" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand tui" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand explain" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand explain" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand explain" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand explain" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand explain" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand explain" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand explain" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand explain" -l recursive -d 'Print the fields of fields, names and types only'
complete -c ork -n "__fish_ork_using_subcommand explain" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand explain" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand explain" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand version" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand version" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand version" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand version" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand version" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand version" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand version" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand version" -l client -d 'Only the client\'s version (no server needed)'
complete -c ork -n "__fish_ork_using_subcommand version" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand version" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand version" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -f -a "view" -d 'Print the client config, with tokens and keys hidden unless --raw'
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -f -a "path" -d 'Print the client config\'s path'
complete -c ork -n "__fish_ork_using_subcommand config; and not __fish_seen_subcommand_from view path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l raw -d 'Show tokens, keys and certificates as they are'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from view" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "view" -d 'Print the client config, with tokens and keys hidden unless --raw'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the client config\'s path'
complete -c ork -n "__fish_ork_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand completion" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand completion" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand completion" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand completion" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand completion" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand completion" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand completion" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand completion" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand completion" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand completion" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand backup" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand backup" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand backup" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand backup" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand backup" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand backup" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand backup" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand backup" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand backup" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand backup" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand restore" -l data-dir -d 'The new control daemon data dir to create (must not exist or be empty); with --store etcd://…, the first control daemon\'s, which gets the key and credentials but no objects' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l store -d 'Restore into etcd (`etcd://HOST:PORT[,HOST:PORT…]`, an empty prefix) instead of a SQLite file in --data-dir' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l store-prefix -d 'Key prefix in etcd: the one to fill (it must hold no key), or the one `migrate --from etcd://…` reads' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l etcd-ca -d 'CA certificate (PEM) of the etcd members: connect to etcd over TLS' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l etcd-cert -d 'Client certificate (PEM) for etcd\'s client-certificate auth' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l etcd-key -d 'The key of --etcd-cert (PEM)' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l key-file -d 'The key file that opens the backup\'s Secrets (the old data dir\'s secret.key)' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l credentials-from -d 'A copy of the old data dir: its secret.key, CA and tokens are copied, so the old cluster\'s nodes and clients keep working' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l bump-revision -d 'How far past the backup\'s revision the restored store starts, so that no watcher of the old cluster resumes from a reused revision' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand restore" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand restore" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand restore" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand restore" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand migrate" -l from -d 'The store to read: the data dir of a stopped control daemon, or `etcd://HOST:PORT[,HOST:PORT…]` with every control daemon on it stopped' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l to -d 'The store to fill: a new data dir (must not exist or be empty), or `etcd://HOST:PORT[,HOST:PORT…]` (an empty prefix)' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l store-prefix -d 'Key prefix in etcd: the one to fill (it must hold no key), or the one `migrate --from etcd://…` reads' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l etcd-ca -d 'CA certificate (PEM) of the etcd members: connect to etcd over TLS' -r -F
complete -c ork -n "__fish_ork_using_subcommand migrate" -l etcd-cert -d 'Client certificate (PEM) for etcd\'s client-certificate auth' -r -F
complete -c ork -n "__fish_ork_using_subcommand migrate" -l etcd-key -d 'The key of --etcd-cert (PEM)' -r -F
complete -c ork -n "__fish_ork_using_subcommand migrate" -l cluster-secret-file -d 'With --from etcd://…: the file holding the cluster secret its control daemons were given (or set ORK_CLUSTER_SECRET); it opens the CA, tokens and Secrets key they share, which the new data dir gets' -r -F
complete -c ork -n "__fish_ork_using_subcommand migrate" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand migrate" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand migrate" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand migrate" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand migrate" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -f -a "build-busybox" -d 'Build ork-test/busybox:latest (FROM scratch + this machine\'s static busybox) in the local Docker engine'
complete -c ork -n "__fish_ork_using_subcommand image; and not __fish_seen_subcommand_from build-busybox help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l busybox -d 'The statically linked busybox to use [default: /bin/busybox or /usr/bin/busybox]' -r -F
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l tag -d 'The image\'s tag' -r
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from build-busybox" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "build-busybox" -d 'Build ork-test/busybox:latest (FROM scratch + this machine\'s static busybox) in the local Docker engine'
complete -c ork -n "__fish_ork_using_subcommand image; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand shim" -l dir -d 'The container\'s state directory' -r -F
complete -c ork -n "__fish_ork_using_subcommand shim" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand shim" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand shim" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand shim" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand shim" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand shim" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand shim" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand shim" -l exec -d 'Become the user of the directory\'s run-as.json and exec the program'
complete -c ork -n "__fish_ork_using_subcommand shim" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand shim" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand shim" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand pause" -l server -d 'API server URL (default: from the client config that `ork up` writes)' -r
complete -c ork -n "__fish_ork_using_subcommand pause" -l token -d 'Bearer token for the API (default: from the client config)' -r
complete -c ork -n "__fish_ork_using_subcommand pause" -l config -d 'Client config file (a kubeconfig; default ~/.config/ork/config.yaml)' -r -F
complete -c ork -n "__fish_ork_using_subcommand pause" -l context -d 'The kubeconfig context to use (default: its current context)' -r
complete -c ork -n "__fish_ork_using_subcommand pause" -l certificate-authority -d 'A file with the CA certificate(s) the API server\'s certificate must chain to' -r -F
complete -c ork -n "__fish_ork_using_subcommand pause" -s n -l namespace -d 'Namespace to work in' -r
complete -c ork -n "__fish_ork_using_subcommand pause" -l log-level -d 'Log level of daemons and of this command (error, warn, info, debug, trace)' -r
complete -c ork -n "__fish_ork_using_subcommand pause" -l insecure-skip-tls-verify -d 'Do not check the API server\'s certificate (the connection is encrypted but anyone could answer)'
complete -c ork -n "__fish_ork_using_subcommand pause" -s h -l help -d 'Print help'
complete -c ork -n "__fish_ork_using_subcommand pause" -s V -l version -d 'Print version'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "up" -d 'Start a whole cluster on this machine: control daemon, node daemon(s), embedded SQLite'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "down" -d 'Stop every pod that `ork up` left running in a data dir, remove its machines (`--purge`: and delete the cluster)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "chaos" -d 'Break the machines of `ork up --machines docker` on purpose: kill, restart, pause, partition, flap'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "control" -d 'Run the control daemon: API, store, scheduler, controllers'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "node" -d 'Run a node daemon that joins a control daemon and runs pods'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "apply" -d 'Create or update objects from manifests (file, directory, or - for stdin)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "get" -d 'List objects, or show some by name'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "describe" -d 'Show one object in detail, with its events'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "delete" -d 'Delete objects by name, by label, or as listed in manifests'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "scale" -d 'Set the replicas of a Deployment or ReplicaSet'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "rollout" -d 'Follow, list, undo, restart, pause or resume a Deployment\'s rollouts'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "cordon" -d 'Mark a node unschedulable: no new pods go there'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "uncordon" -d 'Mark a node schedulable again'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "why" -d 'Explain where a pod can go: every node\'s verdict, and what would make it fit'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "taint" -d 'Add or remove node taints (`ork taint node N dedicated=gpu:NoSchedule`, `... dedicated-`)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "drain" -d 'Cordon a node and move its pods elsewhere, waiting until they run there'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "logs" -d 'Print the logs of a pod\'s container, of a workload\'s first pod (`deployment/NAME`), or of every pod matching -l'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "exec" -d 'Run a command in a running container (`ork exec POD -- CMD...`; `-it` for a shell)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "port-forward" -d 'Forward local ports to a pod\'s (`ork port-forward pod/web 8080:80`), until Ctrl-C'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "autoscale" -d 'Create a HorizontalPodAutoscaler for a Deployment or ReplicaSet'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "create" -d 'Create an object from command-line sources: `ork create configmap NAME --from-literal k=v`, `ork create deployment NAME --image=IMG`, `ork create namespace NAME`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "edit" -d 'Edit an object in your editor ($KUBE_EDITOR, $EDITOR, vi) and send the change'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "run" -d 'Run an image in a new Pod: `ork run web --image=nginx --port=80`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "expose" -d 'Make a Service for a deployment\'s, replicaset\'s, pod\'s or service\'s pods'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "set" -d 'Change one field of containers: `ork set image deployment/web main=IMG`, `ork set env deployment/web K=V K2-`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "token" -d 'Make, list and revoke tokens: join tokens for nodes, bearer tokens with a role for users'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "user" -d 'Issue a user a client certificate with a role, as a kubeconfig: `ork user create alice --role edit --out alice.kubeconfig`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "secret" -d 'Manage Secrets\' encryption at rest: `ork secret rotate-key`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "top" -d 'Show CPU and memory in use by nodes or pods'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "events" -d 'List events, newest last'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "bench" -d 'Measure ork: `ork bench scheduler [--nodes 5000 --warm 1000 --pods 10000]`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "tui" -d 'The live dashboard: watch pods, deployments, nodes, events and failovers; scale, roll back, drain'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "explain" -d 'Describe a kind\'s fields from its schema: `ork explain deployment.spec.strategy`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "version" -d 'Print the client and server versions'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "config" -d 'Show the client config (a kubeconfig) or its path: `ork config view`, `ork config path`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "completion" -d 'Print a shell completion script'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "backup" -d 'Write a consistent snapshot of every object to a file (admins only; Secrets stay sealed)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "restore" -d 'Make a new control daemon data dir from a backup (offline)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "migrate" -d 'Copy a stopped control daemon\'s store into a new one, verified (offline)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "image" -d 'Build images locally, without a registry: `ork image build-busybox`'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "shim" -d 'Runs one container process and records how it ended (used by the process runtime)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "pause" -d 'Waits for SIGTERM (the process of the docker runtime\'s pod sandbox)'
complete -c ork -n "__fish_ork_using_subcommand help; and not __fish_seen_subcommand_from up down chaos control node apply get describe delete scale rollout cordon uncordon why taint drain logs exec port-forward autoscale create edit run expose set token user secret top events bench tui explain version config completion backup restore migrate image shim pause help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "kill" -d 'SIGKILL a machine (`node-2`), or the control daemon (`control`): its pods die with it'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "restart" -d 'Start a killed machine (or the control daemon) again'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "pause" -d 'Freeze a machine: every process in it stops, nothing exits'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "resume" -d 'Thaw a paused machine'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "partition" -d 'Cut a machine off the network (control daemon and other nodes); it keeps running'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "heal" -d 'Connect a partitioned machine again, at its address'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from chaos" -f -a "flap" -d 'Partition and heal a machine in turn: `--period` cut, `--period` connected'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "status" -d 'Follow a rollout until it completes; exit non-zero if it fails or is rolled back'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "history" -d 'List the revisions of a deployment, or show one'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "undo" -d 'Go back to the previous revision, or to a given one'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "restart" -d 'Replace every pod, one step at a time, with the same template'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "pause" -d 'Stop rolling out template changes (scaling still works)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "resume" -d 'Roll out again'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from create" -f -a "configmap" -d 'A ConfigMap from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from create" -f -a "deployment" -d 'A Deployment running an image: `ork create deployment web --image=nginx --replicas=2`'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from create" -f -a "namespace" -d 'A Namespace'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from create" -f -a "secret" -d 'A Secret (`generic`) from literals, files, directories and env files'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from create" -f -a "job" -d 'A Job running an image once: `ork create job once --image=busybox -- date`'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from create" -f -a "cronjob" -d 'A CronJob: `ork create cronjob hello --image=busybox --schedule=\'*/1 * * * *\' -- date`'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from set" -f -a "image" -d 'Set containers\' images: `ork set image deployment/web main=nginx:1.27` (`*=IMAGE`: all)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from set" -f -a "env" -d 'Set or remove containers\' environment variables: `ork set env deployment/web A=1 B-`'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Make a token and print it (it is shown once): a join token for `--role node` (`K10<ca hash>::<id>.<secret>`, for `ork node --token-file`), else a bearer token'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "list" -d 'List tokens: id, role, expiry, description (never the secret)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke tokens by id: they stop working at once'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "create" -d 'Issue a client certificate for a user with a role (its key never leaves this machine) and write a kubeconfig holding it (0600)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "rotate-key" -d 'Encrypt every Secret under a new key (the control daemon\'s secret.key then holds only the new key)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from top" -f -a "nodes" -d 'CPU and memory of each node, and the share of its allocatable'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from top" -f -a "pods" -d 'CPU and memory of each pod (or of each container with --containers)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "scheduler" -d 'Pods placed per second on hollow nodes, then per-pod latency at a fixed offered rate (in process: scheduler + SQLite store binds)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "startup" -d 'Create → Running through the real API with hollow nodes, at a fixed offered rate; also the control daemon\'s memory at the end'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "api" -d 'The API under concurrent clients: write throughput, mutating/get/list latency, and database size after many updates'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "footprint" -d 'Resident memory of an idle control daemon, an idle node daemon, and the control daemon holding many hollow nodes and pods'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "tui" -d 'The dashboard at many pods: frame time at 160x48, time to the first frame showing every pod from a cold start, and idle CPU'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "churn" -d 'Memory given back: cycles of large ConfigMaps (~1 MB of data, or as many labels as validation allows) created, patched and deleted; the control daemon\'s resident memory after each cycle, which must stay within 1.5× of the settled daemon\'s before the first (else exit 1)'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "daemonset" -d 'A DaemonSet on hollow nodes: time from its create to all its pods Running'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from bench" -f -a "job" -d 'A Job of many completions on hollow nodes: completions per second from create to Complete'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "view" -d 'Print the client config, with tokens and keys hidden unless --raw'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the client config\'s path'
complete -c ork -n "__fish_ork_using_subcommand help; and __fish_seen_subcommand_from image" -f -a "build-busybox" -d 'Build ork-test/busybox:latest (FROM scratch + this machine\'s static busybox) in the local Docker engine'
