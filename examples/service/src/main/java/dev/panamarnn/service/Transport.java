package dev.panamarnn.service;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** Netty's socket transport for the service: Java NIO (everywhere), or Linux's native epoll (netty-transport-native-epoll). */
enum Transport {
    NIO, EPOLL;

    /** The event loops' I/O handler; EPOLL where it is not available is an IllegalArgumentException naming why. */
    IoHandlerFactory ioHandlers() {
        return switch (this) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("--transport epoll is not available here (" + Epoll.unavailabilityCause()
                            + "); use --transport nio");
                }
                yield EpollIoHandler.newFactory();
            }
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return this == NIO ? NioServerSocketChannel.class : EpollServerSocketChannel.class;
    }
}
