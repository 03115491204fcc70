// The pod sandbox's process of the local cluster (containerd's sandbox_image).
module citizenoffice.local/cluster/pause

go 1.24.0
